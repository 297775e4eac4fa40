"""Uploads: what a file is (sniffing), what it may be called, how big, and how it is kept."""
import hashlib
import io
import zipfile

import colander
import pytest

from cityportal.cases import uploads
from cityportal.cases.uploads import UploadError

PDF = b'%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n'
JPEG = b'\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01' + b'\x00' * 32
PNG = b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR' + b'\x00' * 32
DER_P7S = (b'\x30\x82\x05\x1c\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02\xa0\x82\x05\x0d'
           + b'\x00' * 32)


def zip_bytes(*names):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as z:
        for name in names:
            z.writestr(name, '<x/>')
    return buffer.getvalue()


DOCX = zip_bytes('[Content_Types].xml', '_rels/.rels', 'word/document.xml')
XLSX = zip_bytes('[Content_Types].xml', 'xl/workbook.xml')
ZIP = zip_bytes('plan/a.txt', 'plan/b.txt')


def _sniff(data):
    return uploads.sniff(data[:uploads.HEAD_BYTES], io.BytesIO(data))


# sniffing ------------------------------------------------------------------------------

@pytest.mark.parametrize('data, kind', [
    (PDF, 'pdf'),
    (JPEG, 'jpg'),
    (PNG, 'png'),
    (b'II*\x00\x08\x00\x00\x00' + b'\x00' * 16, 'tiff'),
    (b'MM\x00*\x00\x00\x00\x08' + b'\x00' * 16, 'tiff'),
    (DOCX, 'docx'),
    (XLSX, 'xlsx'),
    (ZIP, 'zip'),
    (zip_bytes('[Content_Types].xml', 'ppt/slide1.xml'), 'zip'),
    (b'<?xml version="1.0" encoding="UTF-8"?><Invoice/>', 'xml'),
    (b'\xef\xbb\xbf  <?xml version="1.0"?><a/>', 'xml'),
    (b'<Factura xmlns="urn:x"><Linie/></Factura>', 'xml'),
    (DER_P7S, 'p7s'),
    (b'-----BEGIN PKCS7-----\nMIIB\n-----END PKCS7-----\n', 'p7s'),
    (b'AC1032\x00\x00\x00\x00\x00\x00', 'dwg'),
    (b'AC1015\x00\x00\x00\x00\x00\x00', 'dwg'),
    (b'  0\r\nSECTION\r\n  2\r\nHEADER\r\n', 'dxf'),
    (b'999\nexported by CAD\n0\nSECTION\n2\nENTITIES\n', 'dxf'),
    (b'AutoCAD Binary DXF\r\n\x1a\x00' + b'\x00' * 16, 'dxf'),
])
def test_sniff_knows_each_kind(data, kind):
    assert _sniff(data) == kind


@pytest.mark.parametrize('data', [
    b'', b'MZ\x90\x00\x03\x00\x00\x00\x04\x00PE\x00\x00', b'\x7fELF\x02\x01\x01',
    b'Acesta e un text oarecare.', b'<html><script>alert(1)</script></html>',
    b'<!DOCTYPE html><html></html>', b'PK\x03\x04 not really a zip archive',
    b'ACAD', b'AC10xx', b'GIF89a', b'\x30\x82\x01\x00 not a signature',
    b'%PD', b' %PDF-1.4',
])
def test_sniff_refuses_the_rest(data):
    assert _sniff(data) is None


def test_a_zip_is_told_from_an_office_file_only_with_the_file():
    assert uploads.sniff(DOCX[:16]) == 'zip'
    assert uploads.sniff(DOCX[:16], io.BytesIO(DOCX)) == 'docx'


@pytest.mark.parametrize('kind, sniffed, ok', [
    ('pdf', 'pdf', True), ('pdf', 'png', False), ('pdf', None, False),
    ('zip', 'docx', True), ('zip', 'xlsx', True), ('docx', 'zip', False),
    ('jpg', 'jpg', True),
])
def test_content_must_match_the_name(kind, sniffed, ok):
    assert uploads.content_matches(kind, sniffed) is ok


# names ---------------------------------------------------------------------------------

@pytest.mark.parametrize('name, expected', [
    ('plan.pdf', 'plan.pdf'),
    ('  Plan de situație.PDF ', 'Plan de situație.PDF'),
    ('cafe\u0301.pdf', 'caf\u00e9.pdf'),                      # NFC
    ('a<b>:c|d?.pdf', 'a_b__c_d_.pdf'),
    ('plan. ', 'plan'),
    ('raport final v2.docx', 'raport final v2.docx'),
])
def test_safe_filename_keeps_the_name(name, expected):
    assert uploads.safe_filename(name) == expected


def test_a_long_name_is_shortened_and_keeps_its_extension():
    name = uploads.safe_filename('ș' * 400 + '.pdf')
    assert len(name) == uploads.MAX_FILENAME and name.endswith('ș.pdf')


@pytest.mark.parametrize('name, message', [
    ('../plan.pdf', 'o cale'),
    ('../../etc/passwd.pdf', 'o cale'),
    ('dosar/plan.pdf', 'o cale'),
    ('C:\\Users\\ana\\plan.pdf', 'o cale'),
    ('plan..pdf', 'o cale'),
    ('plan\x00.pdf', 'caractere nepermise'),
    ('plan\x1b[31m.pdf', 'caractere nepermise'),
    ('plan\r\n.pdf', 'caractere nepermise'),
    ('factura\u202efdp.exe', 'caractere nepermise'),          # right-to-left override
    ('plan\u200b.pdf', 'caractere nepermise'),               # zero-width space (format)
    ('', 'nu are nume'),
    ('   ', 'nu are nume'),
    ('...', 'o cale'),
    (None, 'nu are nume'),
])
def test_safe_filename_refuses_paths_and_control_characters(name, message):
    with pytest.raises(UploadError) as e:
        uploads.safe_filename(name)
    assert message in str(e.value)


# limits ----------------------------------------------------------------------------------

def check(name, data, types=('pdf', 'jpg', 'png'), limit=1024):
    return uploads.check_upload(io.BytesIO(data), name, types, limit)


def test_an_acceptable_file():
    info = check('plan.pdf', PDF)
    assert info == ('plan.pdf', 'pdf', 'application/pdf', len(PDF))
    assert check('poza.JPEG', JPEG).mimetype == 'image/jpeg'
    assert check('arhiva.zip', DOCX, types=('zip',)).type == 'docx'


@pytest.mark.parametrize('name, data, limit, message', [
    ('plan.exe', b'MZ', 1024, 'Tip de fișier nepermis. Se acceptă: PDF, JPG, PNG.'),
    ('plan', PDF, 1024, 'Tip de fișier nepermis'),
    ('plan.pdf', b'', 1024, 'Fișierul este gol.'),
    ('plan.pdf', PDF + b'x' * 1024, 1024, 'Fișierul depășește'),
    ('plan.pdf', b'Nu sunt PDF.', 1024, 'Conținutul fișierului nu este PDF'),
    ('plan.pdf', PNG, 1024, 'Conținutul fișierului nu este PDF'),
    ('plan.png', PDF, 1024, 'Conținutul fișierului nu este PNG'),
    ('../plan.pdf', PDF, 1024, 'o cale'),
])
def test_check_upload_refuses(name, data, limit, message):
    with pytest.raises(UploadError) as e:
        check(name, data, limit=limit)
    assert message in str(e.value)


def test_the_limit_is_inclusive_and_measured_on_the_data():
    data = PDF + b'x' * (2048 - len(PDF))
    assert check('plan.pdf', data, limit=2048).size == 2048
    with pytest.raises(UploadError):
        check('plan.pdf', data + b'x', limit=2048)


def test_the_field_validator_uses_the_same_checks():
    from cityportal.services.formgen import FileLimits
    node = colander.SchemaNode(colander.String(), name='plan')
    limits = FileLimits(['pdf'], 1)
    limits(node, {'fp': io.BytesIO(PDF), 'filename': 'plan.pdf', 'size': -1})
    for data, name in ((b'', 'plan.pdf'), (b'x' * (1024 * 1024 + 1), 'plan.pdf'),
                       (PDF, '../plan.pdf'), (b'MZ', 'plan.pdf')):
        with pytest.raises(colander.Invalid):
            # a size of -1 (what browsers' multipart parts usually say) changes nothing
            limits(node, {'fp': io.BytesIO(data), 'filename': name, 'size': -1})


def test_human_size():
    assert uploads.human_size(12) == '12 B'
    assert uploads.human_size(2048) == '2 KB'
    assert uploads.human_size(int(1.5 * 1024 * 1024)) == '1,5 MB'


# keeping files ------------------------------------------------------------------------------

class _Service:
    __name__ = 'serviciu'
    __parent__ = None
    title = 'Serviciu'
    department = 'urbanism'
    deadline = None
    tacit_approval = 'no'
    documents = ()
    form_fields = ()


def make_case():
    from cityportal.cases.resources import Case
    return Case(_Service(), 'cetatean:a')


def test_store_file_keeps_a_blob_with_its_metadata():
    case = make_case()
    attachment = uploads.store_file(case, 'plan', io.BytesIO(PDF), 'plan.pdf', ['pdf'], 1024,
                                    'cetatean:a', declared_type='application/pdf',
                                    document='Plan de situație')
    assert case.attachments[attachment.id] is attachment
    assert attachment.size == len(PDF) and attachment.sha256 == hashlib.sha256(PDF).hexdigest()
    assert attachment.sniffed_type == 'application/pdf' and attachment.field == 'plan'
    assert attachment.declared_type == 'application/pdf' and attachment.uploaded_by == 'cetatean:a'
    assert attachment.document == 'Plan de situație'
    with attachment.blob.open('r') as f:
        assert f.read() == PDF


def test_store_file_refuses_and_keeps_nothing():
    case = make_case()
    with pytest.raises(UploadError):
        uploads.store_file(case, 'plan', io.BytesIO(b'MZ'), 'plan.pdf', ['pdf'], 1024, 'x')
    assert len(case.attachments) == 0


def test_store_file_takes_a_given_id_only_when_free_and_well_formed():
    case = make_case()
    first = uploads.store_file(case, 'plan', io.BytesIO(PDF), 'a.pdf', ['pdf'], 1024, 'x',
                               aid='0123456789abcdef')
    assert first.id == '0123456789abcdef'
    again = uploads.store_file(case, 'plan', io.BytesIO(PDF), 'b.pdf', ['pdf'], 1024, 'x',
                               aid='0123456789abcdef')
    odd = uploads.store_file(case, 'plan', io.BytesIO(PDF), 'c.pdf', ['pdf'], 1024, 'x',
                             aid='../../x')
    assert len({first.id, again.id, odd.id}) == 3 and len(case.attachments) == 3
    assert uploads.store_file(case, 'p', io.BytesIO(PDF), 'd.pdf', ['pdf'], 1024, 'x',
                              declared_type='text/html\r\nX: y').declared_type == ''


def _upload(data, name='plan.pdf', uid='00000000000000aa'):
    return {'fp': io.BytesIO(data), 'filename': name, 'mimetype': 'application/pdf',
            'size': None, 'uid': uid, 'preview_url': None}


def test_the_draft_store_keeps_uploads_in_memory_until_their_field_is_valid():
    case = make_case()
    store = uploads.CaseUploads(case, actor='cetatean:a')
    plan = store.for_field('plan')
    data = _upload(PDF)
    plan[data['uid']] = data
    assert data['uid'] in plan and plan.get(data['uid']) is data
    assert len(case.attachments) == 0                    # not stored yet
    aid = store.keep('plan', data, ['pdf'], 1024)
    assert case.attachments[aid].filename == 'plan.pdf' and data['uid'] == aid
    assert store.pending == {}
    # a fresh dict with the file opened from the blob, only for its own field
    fresh = plan[aid]
    assert fresh is not data and fresh['fp'].read() == PDF and fresh['size'] == len(PDF)
    assert aid not in store.for_field('anexe') and store.for_field('anexe').get(aid) is None
    with pytest.raises(KeyError):
        store.for_field('anexe')[aid]
    store.close()
    assert fresh['fp'].closed
    # a refused upload is forgotten
    bad = _upload(b'MZ', uid='00000000000000bb')
    plan[bad['uid']] = bad
    store.forget(bad['uid'])
    assert bad['uid'] not in plan and len(case.attachments) == 1


def test_keep_refuses_what_is_neither_pending_nor_stored():
    case = make_case()
    store = uploads.CaseUploads(case)
    with pytest.raises(UploadError):
        store.keep('plan', _upload(PDF), ['pdf'], 1024)


def test_a_store_for_a_filed_case_never_finds_stored_files():
    case = make_case()
    stored = uploads.store_file(case, 'mesaje', io.BytesIO(PDF), 'a.pdf', ['pdf'], 1024, 'x')
    store = uploads.CaseUploads(case, stored=False)
    assert store.for_field('mesaje').get(stored.id) is None
    data = _upload(PDF, uid='00000000000000cc')
    store.for_field('atasamente')[data['uid']] = data
    aid = store.keep('atasamente', data, ['pdf'], 1024, purpose='mesaje')
    assert case.attachments[aid].field == 'mesaje'


# the widgets ----------------------------------------------------------------------------------

class _Upload:
    def __init__(self, data, filename, type='application/pdf'):
        self.file = io.BytesIO(data)
        self.filename = filename
        self.type = type


class _Field:
    name = 'plan'


def test_the_file_widget_without_javascript():
    from cityportal.services.formgen import FileWidget, MemoryTmpStore
    store = MemoryTmpStore()
    widget = FileWidget(store)
    data = widget.deserialize(_Field(), {'upload': _Upload(PDF, 'C:\\x\\plan.pdf')})
    assert data['filename'] == 'C:\\x\\plan.pdf'          # judged by the validator, not cut
    assert len(data['uid']) == 16 and store[data['uid']] is data
    assert widget.deserialize(_Field(), {'upload': '', 'uid': data['uid']}) is data
    assert widget.deserialize(_Field(), {'upload': '', 'uid': data['uid'], 'remove': '1'}) \
        is colander.null
    assert widget.deserialize(_Field(), {'upload': '', 'uid': 'nu-exista'}) is colander.null
    assert widget.deserialize(_Field(), {'upload': ''}) is colander.null
    assert widget.deserialize(_Field(), 'nu e un dict') is colander.null
    assert widget.deserialize(_Field(), {'upload': '', 'uid': ['a', 'b']}) is colander.null


def test_several_files_are_slots_and_empty_slots_are_dropped():
    import deform
    from cityportal.services.formgen import build_schema
    schema = build_schema([{'name': 'anexe', 'type': 'file', 'label': 'Anexe',
                            'file': {'types': ['pdf'], 'max_size_mb': 1, 'max_count': 3}}])
    html = deform.Form(schema).render()
    assert html.count('type="file"') == 3 and 'deform.appendSequenceItem' not in html
    a, b = _upload(PDF, uid='a' * 16), _upload(PDF, 'b.pdf', uid='b' * 16)
    value = schema.deserialize({'anexe': {'fisier_1': colander.null, 'fisier_2': a,
                                          'fisier_3': b}})
    assert value['anexe'] == [a, b]
    with pytest.raises(colander.Invalid) as e:
        schema.deserialize({'anexe': {}})
    assert 'Câmp obligatoriu' in str(e.value.asdict())
    assert schema['anexe'].serialize([a])['fisier_1']['uid'] == 'a' * 16


def test_a_draft_schema_makes_every_field_optional_but_still_checks_values():
    from cityportal.services.formgen import build_schema
    fields = [{'name': 'acord', 'type': 'checkbox', 'label': 'Acord'},
              {'name': 'suprafata', 'type': 'number', 'label': 'Suprafața', 'max': 10},
              {'name': 'plan', 'type': 'file', 'label': 'Plan',
               'file': {'types': ['pdf'], 'max_size_mb': 1}}]
    draft = build_schema(fields, draft=True)
    assert draft.deserialize({}) == {'acord': False, 'suprafata': colander.null,
                                     'plan': colander.null}
    with pytest.raises(colander.Invalid):
        draft.deserialize({'suprafata': '11'})
    with pytest.raises(colander.Invalid):
        build_schema(fields).deserialize({})


@pytest.mark.parametrize('value', ['NaN', 'sNaN', '-Infinity', '1e999999', '1e16',
                                   '0.0000001'])
def test_numbers_that_cannot_be_stored_are_refused(value):
    from cityportal.services.formgen import build_schema
    schema = build_schema([{'name': 'n', 'type': 'number', 'label': 'N', 'min': 1,
                            'max': 10}])
    with pytest.raises(colander.Invalid):
        schema.deserialize({'n': value})
    unbounded = build_schema([{'name': 'n', 'type': 'number', 'label': 'N'}])
    with pytest.raises(colander.Invalid):
        unbounded.deserialize({'n': value})


def test_text_with_control_characters_is_refused():
    from cityportal.services.formgen import build_schema
    schema = build_schema([{'name': 't', 'type': 'textarea', 'label': 'T'}])
    assert schema.deserialize({'t': 'rând\nrând\t2 \u200f עברית'})['t']
    with pytest.raises(colander.Invalid):
        schema.deserialize({'t': 'a\x00b'})
