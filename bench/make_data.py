"""Build (or reuse) the benchmark storage: bench/out/Data.fs.

    .venv/bin/python bench/make_data.py

The demo site plus /bench-listing/ with 100,000 Item children. The two
benchmark scripts call the same function, so running this first is optional.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import DATA_FS, LISTING_NAME, ensure_data  # noqa: E402


def main():
    n = ensure_data()
    print('%s: /%s/ has %d children (%.1f MB)' % (
        DATA_FS, LISTING_NAME, n, os.path.getsize(DATA_FS) / 1e6))


if __name__ == '__main__':
    main()
