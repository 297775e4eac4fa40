"""Paging arithmetic shared by listings (contents, search, inboxes)."""
from urllib.parse import urlencode

MAX_PAGE = 1_000_000


class Pager:
    def __init__(self, request, total, per_page=50, param='page'):
        self.request = request
        self.total = total
        self.per_page = per_page
        self.param = param
        self.pages = max(1, -(-total // per_page))
        try:
            page = int(request.GET.get(param, 1))
        except (TypeError, ValueError):
            page = 1
        self.page = max(1, min(page, self.pages, MAX_PAGE))
        self.offset = (self.page - 1) * per_page

    def url(self, page):
        params = [(k, v) for k, v in self.request.GET.items() if k != self.param]
        params.append((self.param, str(page)))
        return self.request.path_url + '?' + urlencode(params)

    @property
    def previous_url(self):
        return self.url(self.page - 1) if self.page > 1 else None

    @property
    def next_url(self):
        return self.url(self.page + 1) if self.page < self.pages else None
