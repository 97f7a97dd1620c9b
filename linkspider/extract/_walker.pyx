# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The anchor walk, link records and placement of links.py and placement.py, compiled: same results, in C.

Most of extraction's time went to Python calls into selectolax, one per node visited (a new node
object, a tag string, an attribute lookup). This module walks Lexbor's tree through its structs
instead. selectolax has no C API, so the few Lexbor structs read here are mirrored below and checked
against selectolax's own answers when the module is imported (:func:`_self_check`); a Lexbor whose
layout differs makes the import fail, and links.py then runs the pure-Python path, which stays the
reference (the tests compare both on every corpus page).
"""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.object cimport PyObject_GenericSetAttr, PyTypeObject
from cpython.ref cimport PyObject


cdef extern from "Python.h":
    void PyObject_GC_UnTrack(object obj)
from cpython.unicode cimport (
    PyUnicode_1BYTE_DATA,
    PyUnicode_1BYTE_KIND,
    PyUnicode_AsUTF8AndSize,
    PyUnicode_DecodeASCII,
    PyUnicode_DecodeUTF8,
    PyUnicode_GET_LENGTH,
    PyUnicode_KIND,
)
from libc.stdint cimport uintptr_t
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memcmp, memcpy

from linkspider.extract import placement as _placement

cdef extern from *:
    """
    /* Lexbor 2.x structs as compiled into selectolax (lexbor/dom/interfaces/{node,element,attr}.h,
       lexbor/core/hash.h); only the leading members read here. */
    typedef struct ls_str { unsigned char *data; size_t length; } ls_str;
    typedef struct ls_node {
        void *events; uintptr_t local_name; uintptr_t prefix; uintptr_t ns; void *owner_document;
        struct ls_node *next; struct ls_node *prev; struct ls_node *parent;
        struct ls_node *first_child; struct ls_node *last_child; void *user; int type;
    } ls_node;
    typedef struct ls_attr {
        ls_node node; uintptr_t upper_name; uintptr_t qualified_name; ls_str *value; void *owner;
        struct ls_attr *next; struct ls_attr *prev;
    } ls_attr;
    typedef struct ls_element {
        ls_node node; uintptr_t upper_name; uintptr_t qualified_name; ls_str *is_value;
        struct ls_attr *first_attr; struct ls_attr *last_attr;
    } ls_element;
    typedef struct ls_text { ls_node node; ls_str data; } ls_text;
    typedef struct ls_hash_entry {
        union { unsigned char *long_str; unsigned char short_str[17]; } u; size_t length; void *next;
    } ls_hash_entry;
    """
    ctypedef struct ls_str:
        unsigned char *data
        size_t length
    ctypedef struct ls_node:
        uintptr_t local_name
        uintptr_t prefix
        uintptr_t ns
        ls_node *next
        ls_node *parent
        ls_node *first_child
        int type
    ctypedef struct ls_attr:
        ls_node node
        ls_str *value
        ls_attr *next
    ctypedef struct ls_element:
        ls_node node
        ls_attr *first_attr
    ctypedef struct ls_text:
        ls_node node
        ls_str data
    ctypedef union ls_hash_name:
        unsigned char *long_str
        unsigned char short_str[17]
    ctypedef struct ls_hash_entry:
        ls_hash_name u
        size_t length

cdef int _placement_ANYWHERE = _placement.ANYWHERE, _placement_START = _placement.START
cdef int _placement_END = _placement.END

cdef enum:
    NODE_ELEMENT = 1
    NODE_TEXT = 3
    NODE_DOCUMENT = 9
    # Lexbor's own tag and attribute ids are small numbers; a page's other names get ids that are
    # pointers to its name table (ls_hash_entry).
    STATIC_IDS = 4096
    HASH_SHORT = 16
    # per tag: flags
    F_INLINE = 1
    F_MINOR = 2
    # element state in placements(): bits 0-2 the placement code, then flags
    S_INSIDE = 8
    S_DONE = 16
    # per-element marks in placements()
    M_SEEN = 1
    M_LINK_ONLY = 2
    M_SCORED = 4
    M_MAIN = 8
    M_ABOVE_MAIN = 16
    M_TOP = 32  # one of the top candidates, while they are chosen
    MAX_PARAGRAPHS = 3000  # placement._MAX_PARAGRAPHS
    TOP_CANDIDATES = 3

cdef struct AttrName:
    uintptr_t static_id  # 0: the name is looked up in the page's name table
    const char *name
    size_t length

cdef AttrName A_HREF, A_REL, A_CLASS, A_ID, A_ROLE, A_ALT, A_HTTP_EQUIV, A_NAME, A_CONTENT
A_HREF.name, A_HREF.length = b"href", 4
A_REL.name, A_REL.length = b"rel", 3
A_CLASS.name, A_CLASS.length = b"class", 5
A_ID.name, A_ID.length = b"id", 2
A_ROLE.name, A_ROLE.length = b"role", 4
A_ALT.name, A_ALT.length = b"alt", 3
A_HTTP_EQUIV.name, A_HTTP_EQUIV.length = b"http-equiv", 10
A_NAME.name, A_NAME.length = b"name", 4
A_CONTENT.name, A_CONTENT.length = b"content", 7

cdef uintptr_t TAG_A = 0, TAG_AREA = 0, TAG_IMG = 0, TAG_BR = 0
cdef uintptr_t TAG_P = 0, TAG_PRE = 0, TAG_TD = 0, TAG_BLOCKQUOTE = 0
cdef uintptr_t TAG_LINK = 0, TAG_META = 0, TAG_BASE = 0, TAG_SCRIPT = 0, TAG_STYLE = 0
cdef uintptr_t NS_HTML = 0
cdef unsigned char tag_flags[STATIC_IDS]
cdef signed char tag_weight[STATIC_IDS]
cdef unsigned char tag_marker[STATIC_IDS]
cdef list _tag_names = [None] * STATIC_IDS
_PLACEMENTS = (None,) + tuple(_placement.PLACEMENTS)
_CODES = {name: code for code, name in enumerate(_PLACEMENTS)}
cdef int CODE_BODY = _CODES["body"], CODE_HEADER = _CODES["header"], CODE_FOOTER = _CODES["footer"]
cdef int CODE_SIDEBAR = _CODES["sidebar"]
cdef double LINK_ONLY = _placement._LINK_ONLY
cdef Py_ssize_t MIN_PARAGRAPH = _placement._MIN_PARAGRAPH
cdef double MIN_MAIN_SCORE = _placement._MIN_MAIN_SCORE

# Class and id vocabulary (placement._word_class, _token_class, _classify_names, marker_of,
# _class_weight), sharing placement.py's caches and its vocabulary table: every page brings new class
# names, and classifying them was a fifth of a first visit's extraction time.
cdef dict _word_cache = _placement._WORD_CACHE
cdef dict _token_cache = _placement._TOKEN_CACHE
cdef dict _names_cache = _placement._NAMES_CACHE
cdef dict _weight_cache = _placement._WEIGHT_CACHE
cdef frozenset _pair_first = _placement._PAIR_FIRST
cdef dict _order = _placement._ORDER
cdef dict _roles = _placement._ROLES
cdef dict _tag_placements = _placement._TAGS
cdef Py_ssize_t CACHE_MAX = _placement._CACHE_MAX


# placement.VOCAB_ENTRIES and POSITIVE_ENTRIES as C arrays: (placement order or -1 for content
# words, where, literal, character that must not follow a START match)
cdef struct VocabEntry:
    int order
    int where
    unsigned char stop
    const char *literal
    Py_ssize_t length

cdef enum:
    MAX_VOCAB = 256
    MAX_ASCII_TOKEN = 128
cdef VocabEntry vocab[MAX_VOCAB]
cdef int vocab_count = 0, positive_start = 0
cdef list _vocab_literals = []  # keeps the literals' bytes alive
cdef tuple _vocab_names = tuple(name for name, _ in _placement.VOCAB_ENTRIES)


def _load_vocabulary():
    global vocab_count, positive_start
    groups = [(order, entries) for order, (_, entries) in enumerate(_placement.VOCAB_ENTRIES)]
    groups.append((-1, _placement.POSITIVE_ENTRIES))
    for order, entries in groups:
        if order < 0:
            positive_start = vocab_count
        for where, literal, stop in entries:
            if vocab_count == MAX_VOCAB or not literal.isascii() or len(stop) > 1 or not stop.isascii():
                raise ImportError("vocabulary: too many or non-ASCII entries")
            data = literal.encode()
            _vocab_literals.append(data)
            vocab[vocab_count].order = order
            vocab[vocab_count].where = where
            vocab[vocab_count].stop = ord(stop) if stop else 0
            vocab[vocab_count].literal = data
            vocab[vocab_count].length = len(data)
            vocab_count += 1


_load_vocabulary()


cdef bint _entry_matches(const char *w, Py_ssize_t n, const VocabEntry *e) noexcept nogil:
    """placement._matches for one entry, on the word's UTF-8 bytes (the literals are ASCII)."""
    cdef Py_ssize_t length = e.length, i
    if length > n:
        return False
    if e.where == _placement_ANYWHERE:
        for i in range(n - length + 1):
            if w[i] == e.literal[0] and memcmp(w + i, e.literal, length) == 0:
                return True
        return False
    if e.where == _placement_START:
        return memcmp(w, e.literal, length) == 0 and not (e.stop and n > length and <unsigned char> w[length] == e.stop)
    if e.where == _placement_END:
        return memcmp(w + n - length, e.literal, length) == 0
    return n == length and memcmp(w, e.literal, length) == 0


cdef tuple _word(str word):
    """placement._word_class: (placement the word names or None, whether it is a content word); cached."""
    hit = _word_cache.get(word)
    if hit is not None:
        return <tuple> hit
    cdef Py_ssize_t n
    cdef const char *w = PyUnicode_AsUTF8AndSize(word, &n)
    cdef int k
    best = None
    positive = False
    for k in range(positive_start):
        if _entry_matches(w, n, &vocab[k]):
            best = _vocab_names[vocab[k].order]
            break
    for k in range(positive_start, vocab_count):
        if _entry_matches(w, n, &vocab[k]):
            positive = True
            break
    hit = (best, positive)
    if len(_word_cache) > CACHE_MAX:
        _word_cache.clear()
    _word_cache[word] = hit
    return <tuple> hit


cdef inline bint _more_specific(object found, object best):
    return found is not None and (best is None or <int> _order[found] < <int> _order[best])


cdef object _add_word(str word, str previous, object best, bint *positive):
    """One word of a token (placement._token_class's loop): the token's most specific placement so far."""
    found, pos = _word(word)
    if found is None and previous in _pair_first:  # "side" + "bar"
        found = _word(previous + word)[0]
    if pos:
        positive[0] = True
    return found if _more_specific(found, best) else best


cdef tuple _token_class_unicode(str token):
    """placement._token_class for any token (see :func:`_token_class`), not cached here."""
    cdef Py_ssize_t n = len(token), i = 0, start
    cdef Py_UCS4 c
    cdef bint lower_only, positive = False
    cdef str word, previous = ""
    best = None
    if token.isalpha() and token.islower():  # one word
        hit = _word(token)
    else:
        lower_only = token.islower()
        while i < n:
            c = token[i]
            if not (u'a' <= c <= u'z' or u'A' <= c <= u'Z'):
                i += 1
                continue
            start = i
            while i < n and u'A' <= token[i] <= u'Z':
                i += 1
            while i < n and u'a' <= token[i] <= u'z':
                i += 1
            word = token[start:i] if lower_only else token[start:i].lower()
            best = _add_word(word, previous, best, &positive)
            previous = word
        hit = (best, positive)
    return <tuple> hit


cdef tuple _token_class(str token):
    """placement._token_class: words split at non-letters and camelCase humps, plus joined pairs.

    ASCII tokens (nearly all class names) are split on their bytes, without str method calls."""
    hit = _token_cache.get(token)
    if hit is not None:
        return <tuple> hit
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(token), i, start, k
    cdef const unsigned char *w
    cdef char lowered[MAX_ASCII_TOKEN]
    cdef unsigned char c
    cdef bint has_upper = False, letters_only = True, positive = False
    cdef str word, previous = ""
    cdef bint ascii = PyUnicode_KIND(token) == PyUnicode_1BYTE_KIND and n <= MAX_ASCII_TOKEN
    if ascii:
        w = <const unsigned char *> PyUnicode_1BYTE_DATA(token)
        for i in range(n):
            c = w[i]
            if 65 <= c <= 90:
                has_upper = True
            elif not 97 <= c <= 122:
                letters_only = False
                if c >= 128:  # Latin-1: str methods decide what a letter is
                    ascii = False
                    break
    if not ascii:
        hit = _token_class_unicode(token)
    else:
        if letters_only and not has_upper:  # one word (isalpha and islower)
            hit = _word(token)
        else:
            best = None
            i = 0
            while i < n:
                c = w[i]
                if not (97 <= c <= 122 or 65 <= c <= 90):
                    i += 1
                    continue
                start = i
                while i < n and 65 <= w[i] <= 90:
                    i += 1
                while i < n and 97 <= w[i] <= 122:
                    i += 1
                for k in range(start, i):
                    lowered[k - start] = w[k] | 0x20  # ASCII letters: lowercase
                word = PyUnicode_DecodeASCII(lowered, i - start, NULL)
                best = _add_word(word, previous, best, &positive)
                previous = word
            hit = (best, positive)
    if len(_token_cache) > CACHE_MAX:
        _token_cache.clear()
    _token_cache[token] = hit
    return <tuple> hit


cdef tuple _classify_names(str names):
    best = None
    cdef bint positive = False
    for token in names.split():
        found, pos = _token_class(token)
        if pos:
            positive = True
        if _more_specific(found, best):
            best = found
    return best, positive


cdef object _marker_of(object tag, object role, object cls, object ident):
    """placement.marker_of."""
    key = (role, tag, cls, ident)
    hit = _names_cache.get(key, _names_cache)
    if hit is not _names_cache:
        return hit
    found = None
    if role:
        for token in role.lower().split():
            if token in _roles:
                found = _roles[token]
                break
    if found is None:
        found = _tag_placements.get(tag)
    if found is None and (cls or ident):
        found = _classify_names(f"{cls or ''} {ident or ''}")[0]
    if len(_names_cache) > CACHE_MAX:
        _names_cache.clear()
    _names_cache[key] = found
    return found


cdef int _class_weight(object cls, object ident) except? -9999:
    """placement._class_weight."""
    if cls is None and ident is None:
        return 0
    key = (cls, ident)
    weight = _weight_cache.get(key)
    if weight is not None:
        return weight
    cdef int total = 0
    for value in key:
        if not value:
            continue
        found, positive = _classify_names(value)
        if found is not None:
            total -= 25
        if positive:
            total += 25
    if len(_weight_cache) > CACHE_MAX:
        _weight_cache.clear()
    _weight_cache[key] = total
    return total


cdef inline bint _attr_named(const ls_attr *attr, const AttrName *name) noexcept nogil:
    cdef uintptr_t lid = attr.node.local_name
    cdef const ls_hash_entry *entry
    if attr.node.prefix != 0:  # xlink:href is not href
        return False
    if name.static_id:
        return lid == name.static_id
    if lid < STATIC_IDS:
        return False
    entry = <const ls_hash_entry *> lid
    if entry.length != name.length:
        return False
    if name.length <= HASH_SHORT:
        return memcmp(entry.u.short_str, name.name, name.length) == 0
    return memcmp(entry.u.long_str, name.name, name.length) == 0


cdef inline const ls_attr *_find_attr(const ls_node *node, const AttrName *name) noexcept nogil:
    cdef const ls_attr *attr = (<const ls_element *> node).first_attr
    while attr != NULL:
        if _attr_named(attr, name):
            return attr
        attr = attr.next
    return NULL


cdef inline object _attr(const ls_node *node, const AttrName *name):
    """An attribute's value as selectolax gives it: None when absent or valueless."""
    cdef const ls_attr *attr = _find_attr(node, name)
    if attr == NULL or attr.value == NULL or attr.value.data == NULL:
        return None
    return PyUnicode_DecodeUTF8(<const char *> attr.value.data, attr.value.length, "replace")


cdef inline const ls_node *_next_in(const ls_node *node, const ls_node *root) noexcept nogil:
    """The node after ``node`` in document order within ``root``'s subtree, or NULL."""
    if node.first_child != NULL:
        return node.first_child
    while node != root and node.next == NULL:
        node = node.parent
        if node == NULL:
            return NULL
    if node == root:
        return NULL
    return node.next


cdef inline bint _raw_text(const ls_node *text) noexcept nogil:
    """True for the content of a ``<script>`` or ``<style>``: code, never shown, so never text."""
    return text.parent != NULL and (text.parent.local_name == TAG_SCRIPT or text.parent.local_name == TAG_STYLE)


cdef inline bint _cut(const ls_node *element) noexcept nogil:
    """True for an HTML script or style whose whole text is _rawtext.MARKER: content cut before the parse."""
    cdef const ls_node *child = element.first_child
    return (element.ns == NS_HTML and child != NULL and child.type == NODE_TEXT and child.next == NULL
            and (<const ls_text *> child).data.length == 1 and (<const ls_text *> child).data.data[0] == 1)


cdef void *_resized(const void *block, size_t size) except NULL:
    cdef void *out = realloc(<void *> block, size)
    if out == NULL:
        raise MemoryError()
    return out


# Characters of links.fast_normalize's URL classes (linkspider/urls.py: _PATH, _QUERY, _LABEL).
cdef enum:
    U_PATH = 1
    U_QUERY = 2
    U_HOST = 4
cdef unsigned char url_chars[256]
for _c in list(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&()*+,;=:@/%"):
    url_chars[_c] = U_PATH | U_QUERY
url_chars[ord("'")] = U_PATH
url_chars[ord("?")] = U_QUERY
for _c in list(b"abcdefghijklmnopqrstuvwxyz0123456789-."):
    url_chars[_c] |= U_HOST
# RFC 3986 unreserved characters: their percent-escapes are decoded (urls._pct_fix)
cdef unsigned char unreserved[256]
for _c in list(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"):
    unreserved[_c] = 1


cdef const char *HEX_DIGITS = b"0123456789ABCDEF"


cdef inline int _hex(unsigned char c) noexcept nogil:
    if 48 <= c <= 57:
        return c - 48
    if 65 <= c <= 70:
        return c - 55
    if 97 <= c <= 102:
        return c - 87
    return -1


cdef bint _plain_host(const unsigned char *h, Py_ssize_t n) noexcept nogil:
    """urls._HOST: dot-separated labels of [a-z0-9-], none empty or with a hyphen at either end,
    the last starting with a letter (so never IPv4); no ``xn--`` (IDNA goes to Ada)."""
    cdef Py_ssize_t i, start = 0
    if n == 0:
        return False
    for i in range(n + 1):
        if i == n or h[i] == 46:  # "."
            if i == start or h[start] == 45 or h[i - 1] == 45:  # empty label, "-" at an end
                return False
            if i < n:
                start = i + 1
        elif i + 3 < n and h[i] == 120 and h[i + 1] == 110 and h[i + 2] == 45 and h[i + 3] == 45:  # "xn--"
            return False
    return 97 <= h[start] <= 122


cdef Py_ssize_t _pct_copy(unsigned char *out, const unsigned char *s, Py_ssize_t n) noexcept nogil:
    """Copy with urls._pct_fix applied to each %XX: unreserved decoded, others uppercased."""
    cdef Py_ssize_t i = 0, o = 0
    cdef int hi, lo, code
    while i < n:
        if s[i] == 37 and i + 2 < n:
            hi = _hex(s[i + 1])
            lo = _hex(s[i + 2])
            if hi >= 0 and lo >= 0:
                code = hi * 16 + lo
                if unreserved[code]:
                    out[o] = code
                    o += 1
                else:
                    out[o] = 37
                    out[o + 1] = HEX_DIGITS[hi]
                    out[o + 2] = HEX_DIGITS[lo]
                    o += 3
                i += 3
                continue
        out[o] = s[i]
        o += 1
        i += 1
    return o


cdef object _fast_target(const unsigned char *s, Py_ssize_t n, const unsigned char *origin, Py_ssize_t origin_len,
                         unsigned char *out):
    """urls.fast_normalize on an href's bytes: the stored URL (str) of a plain absolute or
    root-relative href, else None (the caller resolves it with Ada). ``out`` holds origin_len + n bytes."""
    cdef Py_ssize_t p, path_start, path_end, query_start, query_end, head_len, o, i
    cdef const unsigned char *head
    cdef bint has_pct = False
    if n and s[0] == 47:  # "/"
        p = 0
    elif origin_len and n > origin_len and s[origin_len] == 47 and memcmp(s, origin, origin_len) == 0:
        p = origin_len  # the page's own origin, as serialized: only the path and query are left
    else:
        p = -1
    if p >= 0:
        if p + 1 < n and s[p + 1] == 47:  # "//": protocol-relative
            return None
        head, head_len = origin, origin_len
        path_start = p
        p += 1
        while p < n and url_chars[s[p]] & U_PATH:
            p += 1
        path_end = p
    else:
        if n >= 7 and memcmp(s, b"http://", 7) == 0:
            p = 7
        elif n >= 8 and memcmp(s, b"https://", 8) == 0:
            p = 8
        else:
            return None
        i = p
        while p < n and url_chars[s[p]] & U_HOST:
            p += 1
        if not _plain_host(s + i, p - i):
            return None
        head, head_len = s, p
        path_start = path_end = p
        if p < n and s[p] == 47:
            p += 1
            while p < n and url_chars[s[p]] & U_PATH:
                p += 1
            path_end = p
    query_start = query_end = p
    if p < n and s[p] == 63:  # "?"
        p += 1
        while p < n and url_chars[s[p]] & U_QUERY:
            p += 1
        query_end = p
    if p < n and s[p] != 35:  # anything but the end or "#"
        return None
    for i in range(path_start, path_end):
        if s[i] == 37:
            has_pct = True
            if i + 2 < path_end and s[i + 1] == 50 and (s[i + 2] == 101 or s[i + 2] == 69):  # "%2e"
                return None
        elif s[i] == 46 and i > path_start and s[i - 1] == 47:  # "/."
            return None
    memcpy(out, head, head_len)
    o = head_len
    if path_end == path_start:
        out[o] = 47
        o += 1
    elif has_pct:
        o += _pct_copy(out + o, s + path_start, path_end - path_start)
    else:
        memcpy(out + o, s + path_start, path_end - path_start)
        o += path_end - path_start
    o += _pct_copy(out + o, s + query_start, query_end - query_start)
    return PyUnicode_DecodeUTF8(<const char *> out, o, NULL)


cdef inline Py_ssize_t _utf8_char(const unsigned char *s, Py_ssize_t n, Py_UCS4 *cp) noexcept nogil:
    """Length of the valid UTF-8 character at ``s`` (its code point in ``cp``), or 0 when Python's
    strict decoder would reject it there."""
    cdef unsigned char c = s[0], c1, c2, c3
    if c < 0xC2:
        return 0  # a continuation byte, or an overlong lead
    if c < 0xE0:
        if n < 2 or s[1] & 0xC0 != 0x80:
            return 0
        cp[0] = ((c & 0x1F) << 6) | (s[1] & 0x3F)
        return 2
    if c < 0xF0:
        if n < 3:
            return 0
        c1, c2 = s[1], s[2]
        if c2 & 0xC0 != 0x80 or c1 & 0xC0 != 0x80 or (c == 0xE0 and c1 < 0xA0) or (c == 0xED and c1 > 0x9F):
            return 0
        cp[0] = ((c & 0x0F) << 12) | ((c1 & 0x3F) << 6) | (c2 & 0x3F)
        return 3
    if c < 0xF5:
        if n < 4:
            return 0
        c1, c2, c3 = s[1], s[2], s[3]
        if (c1 & 0xC0 != 0x80 or c2 & 0xC0 != 0x80 or c3 & 0xC0 != 0x80
                or (c == 0xF0 and c1 < 0x90) or (c == 0xF4 and c1 > 0x8F)):
            return 0
        cp[0] = ((c & 0x07) << 18) | ((c1 & 0x3F) << 12) | ((c2 & 0x3F) << 6) | (c3 & 0x3F)
        return 4
    return 0


cdef inline bint _is_space(Py_UCS4 cp) noexcept nogil:
    """str.isspace() for one character (what str.split() splits at)."""
    if cp < 0x80:
        return cp == 32 or 9 <= cp <= 13 or 28 <= cp <= 31
    return (cp == 0x85 or cp == 0xA0 or cp == 0x1680 or 0x2000 <= cp <= 0x200A or cp == 0x2028
            or cp == 0x2029 or cp == 0x202F or cp == 0x205F or cp == 0x3000)


cdef Py_ssize_t _collapse(unsigned char *s, Py_ssize_t n, Py_ssize_t cap, Py_ssize_t *chars) noexcept nogil:
    """text.cap_text(" ".join(text.split()), cap) on UTF-8 bytes, in place: the result's length in
    bytes, and in ``chars`` the collapsed text's length in characters before the cap. -1 when the
    bytes are not valid UTF-8 (the caller decodes with replacement characters and collapses in Python)."""
    cdef Py_ssize_t i = 0, o = 0, count = 0, cut = 0, w, k
    cdef bint pending = False
    cdef Py_UCS4 cp = 0
    while i < n:
        if s[i] < 0x80:
            cp = s[i]
            w = 1
        else:
            w = _utf8_char(s + i, n - i, &cp)
            if w == 0:
                return -1
        if _is_space(cp):
            pending = True
            i += w
            continue
        if pending and o:  # never a leading space; trailing ones are never written
            s[o] = 32
            o += 1
            count += 1
            if count == cap:
                cut = o
        pending = False
        for k in range(w):  # o <= i: copying forward is safe
            s[o + k] = s[i + k]
        o += w
        i += w
        count += 1
        if count == cap:
            cut = o
    chars[0] = count
    if 0 < cap < count:
        return cut - 1 if s[cut - 1] == 32 else cut  # text[:cap].rstrip()
    return o


# links.py's Link and rel parser, bound on first use (links.py imports this module first)
cdef object _Link = None
cdef object _rel_flags = None
cdef object _cap_text = None
cdef tuple _NO_ARGS = ()
cdef enum:
    LINK_FIELDS = 10
cdef Py_ssize_t _link_offsets[LINK_FIELDS]
cdef tuple _link_fields = ()


cdef int _bind_link_slots(link_class) except -1:
    """Where each Link field's slot lives in the object, to fill it without an attribute lookup;
    -1 (a generic setattr) for any field that is not a plain object slot."""
    global _link_fields
    _link_fields = tuple(link_class.__dataclass_fields__)
    if len(_link_fields) != LINK_FIELDS:
        raise RuntimeError("Link fields changed: update _walker.pyx")
    for k in range(LINK_FIELDS):
        _link_offsets[k] = ls_slot_offset(link_class.__dict__.get(_link_fields[k]))
    return 0


cdef inline int _set_field(object link, int k, object value) except -1:
    """Set field ``k`` (Link's field order) of a new Link."""
    if _link_offsets[k] >= 0:
        ls_slot_store(link, _link_offsets[k], value)
    else:
        PyObject_GenericSetAttr(link, _link_fields[k], value)
    return 0


def token_class(str token):
    """:func:`_token_class` for tests (placement._token_class in C); shares placement's caches."""
    return _token_class(token)


def word_class(str word):
    """:func:`_word` for tests (placement._word_class in C); shares placement's word cache."""
    return _word(word)


def link_slot_offsets(link_class):
    """For tests: where :func:`_set_field` stores each field of ``link_class`` (-1: by setattr)."""
    _bind_link_slots(link_class)
    return [_link_offsets[k] for k in range(LINK_FIELDS)]


def fast_target(bytes href, bytes origin):
    """:func:`_fast_target` for tests: urls.fast_normalize(href, origin) on UTF-8 bytes."""
    cdef bytearray out = bytearray(len(href) + len(origin) + 1)
    return _fast_target(<const unsigned char *> PyBytes_AS_STRING(href), len(href),
                        <const unsigned char *> PyBytes_AS_STRING(origin), len(origin), out)


def collapse_text(bytes text, Py_ssize_t cap):
    """:func:`_collapse` for tests: (collapsed and capped text, collapsed length), or None for invalid UTF-8."""
    cdef bytearray out = bytearray(text)
    cdef Py_ssize_t chars = 0, n = _collapse(out, len(out), cap, &chars)
    return None if n < 0 else (out[:n].decode(), chars)


cdef extern from *:
    """
    #include "structmember.h"
    /* Byte scans over a whole page, written so that compilers vectorize them (a plain loop in
       blocks whose counts fit a byte; an 8-byte word test for non-ASCII). */
    static Py_ssize_t ls_count_byte(const unsigned char *p, Py_ssize_t n, unsigned char c) {
        Py_ssize_t count = 0, i = 0, j;
        while (i < n) {  /* blocks of 240: a byte-wide sum cannot wrap, and 16 and 32 divide it (no scalar tail) */
            Py_ssize_t end = n - i > 240 ? i + 240 : n;
            unsigned char block = 0;
            for (j = i; j < end; j++) block += p[j] == c;
            count += block;
            i = end;
        }
        return count;
    }
    /* A __slots__ member's offset in its objects (-1 when not a plain, writable object slot), and a
       store there that does what the slot's setter does, without finding the setter by name. */
    static Py_ssize_t ls_slot_offset(PyObject *descr) {
        PyMemberDef *member;
        if (descr == NULL || !PyObject_TypeCheck(descr, &PyMemberDescr_Type)) return -1;
        member = ((PyMemberDescrObject *)descr)->d_member;
        return member->type == T_OBJECT_EX && !(member->flags & READONLY) ? member->offset : -1;
    }
    static void ls_slot_store(PyObject *obj, Py_ssize_t offset, PyObject *value) {
        PyObject **slot = (PyObject **)((char *)obj + offset);
        PyObject *old = *slot;
        Py_INCREF(value);
        *slot = value;
        Py_XDECREF(old);
    }
    static Py_ssize_t ls_first_non_ascii(const unsigned char *p, Py_ssize_t n) {
        Py_ssize_t i = 0;
        for (; i + 8 <= n; i += 8) {
            uint64_t word;
            memcpy(&word, p + i, 8);
            if (word & 0x8080808080808080ULL) break;
        }
        for (; i < n; i++) if (p[i] & 0x80) return i;
        return -1;
    }
    """
    Py_ssize_t ls_count_byte(const unsigned char *p, Py_ssize_t n, unsigned char c) nogil
    Py_ssize_t ls_slot_offset(object descr)
    void ls_slot_store(object obj, Py_ssize_t offset, object value)
    Py_ssize_t ls_first_non_ascii(const unsigned char *p, Py_ssize_t n) nogil


def count_byte(bytes data, unsigned char byte):
    """How many times ``byte`` occurs in ``data``: links._too_deep's tag count, without the copy
    ``bytes.replace`` makes (a page-sized allocation, as slow as the count itself)."""
    return ls_count_byte(<const unsigned char *> PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data), byte)


def first_non_ascii(bytes data):
    """Index of the first byte above 0x7F in ``data``, or -1: where links._encoding starts checking UTF-8."""
    return ls_first_non_ascii(<const unsigned char *> PyBytes_AS_STRING(data), PyBytes_GET_SIZE(data))


cdef class PageWalk:
    """One parsed page's elements in document order, with their parents and subtree ends."""

    cdef object tree  # keeps the Lexbor document alive
    cdef const ls_node **nodes
    cdef int *parent
    cdef int *end
    cdef uintptr_t *tags
    cdef int count
    cdef int capacity
    cdef readonly int cut  # script and style elements whose content _rawtext.strip replaced
    cdef list anchor_index, paragraphs, brs, imgs, head_index
    cdef char *buffer
    cdef size_t buffer_size

    def __cinit__(self, tree):
        self.tree = tree
        self.anchor_index = []
        self.paragraphs = []
        self.brs = []
        self.imgs = []
        self.head_index = []
        root = tree.root
        if root is None:
            return
        cdef const ls_node *doc = (<const ls_node *> <uintptr_t> root.mem_id).parent
        if doc == NULL:
            doc = <const ls_node *> <uintptr_t> root.mem_id
        self._walk(doc)

    def __dealloc__(self):
        free(self.nodes)
        free(self.parent)
        free(self.end)
        free(self.tags)
        free(self.buffer)

    cdef int _grow(self) except -1:
        cdef int capacity = self.capacity * 2 if self.capacity else 1024
        self.nodes = <const ls_node **> _resized(self.nodes, capacity * sizeof(ls_node *))
        self.parent = <int *> _resized(self.parent, capacity * sizeof(int))
        self.end = <int *> _resized(self.end, capacity * sizeof(int))
        self.tags = <uintptr_t *> _resized(self.tags, capacity * sizeof(uintptr_t))
        self.capacity = capacity
        return 0

    cdef int _walk(self, const ls_node *doc) except -1:
        """Number the elements in document order (what selectolax's ``tags()`` and CSS return)."""
        cdef const ls_node *node = doc.first_child
        cdef int current = -1, i
        cdef uintptr_t tag
        cdef list p_list = [], pre_list = [], td_list = [], bq_list = []
        while node != NULL:
            if node.type == NODE_ELEMENT:
                if self.count == self.capacity:
                    self._grow()
                i = self.count
                self.count += 1
                tag = node.local_name
                self.nodes[i] = node
                self.parent[i] = current
                self.tags[i] = tag
                self.end[i] = i + 1
                if tag == TAG_A or tag == TAG_AREA:
                    self.anchor_index.append(i)
                elif tag == TAG_P:
                    p_list.append(i)
                elif tag == TAG_PRE:
                    pre_list.append(i)
                elif tag == TAG_TD:
                    td_list.append(i)
                elif tag == TAG_BLOCKQUOTE:
                    bq_list.append(i)
                elif tag == TAG_BR:
                    self.brs.append(i)
                elif tag == TAG_IMG:
                    self.imgs.append(i)
                elif tag == TAG_LINK or tag == TAG_META or tag == TAG_BASE:
                    self.head_index.append(i)
                elif (tag == TAG_SCRIPT or tag == TAG_STYLE) and _cut(node):
                    self.cut += 1
                if node.first_child != NULL:
                    current = i
                    node = node.first_child
                    continue
            while node != NULL and node.next == NULL:
                node = node.parent
                if node == NULL or node == doc:
                    node = NULL
                elif node.type == NODE_ELEMENT and current >= 0:
                    self.end[current] = self.count
                    current = self.parent[current]
            if node != NULL:
                node = node.next
        self.paragraphs = p_list + pre_list + td_list + bq_list
        return 0

    cdef char *_reserve(self, size_t size) except NULL:
        """The text buffer, at least ``size`` bytes long (contents kept; grows by doubling)."""
        if size > self.buffer_size:
            size = max(size, 2 * self.buffer_size)
            self.buffer = <char *> _resized(self.buffer, size)
            self.buffer_size = size
        return self.buffer

    cdef Py_ssize_t _gather(self, const ls_node *root) except -1:
        """Copy every text node beneath ``root`` into the buffer, in order; their total length."""
        cdef size_t at = 0, length
        cdef const ls_node *node = _next_in(root, root)
        cdef char *out
        while node != NULL:
            if node.type == NODE_TEXT and not _raw_text(node):
                length = (<const ls_text *> node).data.length
                if length:
                    out = self._reserve(at + length)
                    memcpy(out + at, (<const ls_text *> node).data.data, length)
                    at += length
            node = _next_in(node, root)
        return at

    cdef str _text(self, const ls_node *root):
        """The element's text (every text node beneath it), as selectolax's ``text_lexbor()``."""
        cdef Py_ssize_t at = self._gather(root)
        if at == 0:
            return ""
        return PyUnicode_DecodeUTF8(self.buffer, at, "replace")

    def head(self):
        """``<link>``, ``<meta>`` and ``<base>`` anywhere in the page, as links._head_rows gives them."""
        cdef list links = [], metas = [], bases = []
        cdef const ls_node *node
        cdef uintptr_t tag
        for i in self.head_index:
            node = self.nodes[<int> i]
            tag = self.tags[<int> i]
            if tag == TAG_LINK:
                links.append((_attr(node, &A_REL), _attr(node, &A_HREF)))
            elif tag == TAG_META:
                metas.append((_attr(node, &A_HTTP_EQUIV), _attr(node, &A_NAME), _attr(node, &A_CONTENT)))
            else:
                bases.append(_attr(node, &A_HREF))
        return links, metas, bases

    cdef dict _images(self):
        """Anchor -> alt of its first image: the first ``img`` whose nearest ``a`` ancestor it is, among
        images under some ``a[href]`` (the pure-Python path's ``a[href] img``)."""
        cdef int j, img, nearest
        cdef dict images = {}
        for img in self.imgs:
            nearest = -1
            j = self.parent[img]
            while j >= 0:
                if self.tags[j] == TAG_A:
                    if nearest < 0:
                        nearest = j
                    if _find_attr(self.nodes[j], &A_HREF) != NULL:
                        break
                j = self.parent[j]
            if j >= 0 and nearest not in images:
                images[nearest] = _attr(self.nodes[img], &A_ALT)
        return images

    cdef str _anchor_text(self, const ls_node *root, Py_ssize_t cap, Py_ssize_t *chars, bint *raw):
        """The element's text collapsed and capped (links.py's anchor text rule), its collapsed length
        in ``chars``, and whether it had any text at all in ``raw``."""
        cdef Py_ssize_t n, at = self._gather(root)
        raw[0] = at > 0
        chars[0] = 0
        if at == 0:
            return ""
        n = _collapse(<unsigned char *> self.buffer, at, cap, chars)
        if n >= 0:
            return PyUnicode_DecodeUTF8(self.buffer, n, NULL)
        text = " ".join(self._text(root).split())  # invalid UTF-8: replacement characters, as selectolax
        chars[0] = len(text)
        return _cap_text(text, cap)

    def links(self, resolve, Py_ssize_t cap, Py_ssize_t room, bint nofollow_page, dropped):
        """The page's anchor links: links._anchor_links (the reference) in C.

        ``resolve`` is the page's links._Resolver, used for hrefs the plain-URL fast path
        (urls.fast_normalize, here on the attribute's bytes) does not take. ``room`` is the number of
        links to keep (-1: all); ``dropped`` counts what is left out, by reason.
        """
        global _Link, _rel_flags, _cap_text
        if _Link is None:
            from linkspider.extract import links as module
            from linkspider.extract.text import cap_text

            _Link, _rel_flags, _cap_text = module.Link, module._rel_flags, cap_text
            _bind_link_slots(_Link)
        cdef bytes origin = resolve.origin.encode()
        cdef Py_ssize_t origin_len = len(origin), max_length = resolve.max_length, count, index, chars
        cdef int i
        cdef bint raw, is_area
        cdef const ls_node *node
        cdef const ls_attr *attr
        cdef dict images = self._images() if self.imgs else {}
        cdef list handles = [], link_chars = [], found = []
        count = len(self.anchor_index)
        for index in range(count):
            if room == 0:  # the cap is reached: the remaining anchors are counted, not resolved or placed
                dropped["max_links"] += count - index
                break
            i = self.anchor_index[index]
            node = self.nodes[i]
            attr = _find_attr(node, &A_HREF)
            if attr == NULL or attr.value == NULL or attr.value.data == NULL:
                continue  # a placeholder anchor, not a link
            target = None
            if origin_len:
                target = _fast_target(attr.value.data, attr.value.length, origin, origin_len,
                                      <unsigned char *> self._reserve(origin_len + attr.value.length + 1))
            href = PyUnicode_DecodeUTF8(<const char *> attr.value.data, attr.value.length, "replace")
            if target is None:
                target, reason = resolve(href)
                if target is None:
                    dropped[reason] += 1
                    continue
            elif max_length and len(target) > max_length:
                dropped["too_long"] += 1
                continue
            is_area = self.tags[i] == TAG_AREA
            text = self._anchor_text(node, cap, &chars, &raw)
            link_type = "a"
            alt = None
            if i in images:
                alt = images[i]
                if alt is not None:
                    alt = _cap_text(" ".join(alt.split()), cap)
                if chars == 0:
                    link_type = "img"
            if not raw and is_area:  # a void element: no text, its own alt
                link_type = "area"
                alt = _attr(node, &A_ALT)
                if alt is not None:
                    alt = _cap_text(" ".join(alt.split()), cap)
            handles.append(i)
            link_chars.append(chars)
            found += (href, target, text, alt, link_type, _attr(node, &A_REL))  # flat: no tuple kept per link
            room -= 1
        placements = self.placements(handles, link_chars) if handles else []
        cdef list out = []
        cdef set seen = set()
        cdef Py_ssize_t size, k
        cdef PyTypeObject *link_type_object = <PyTypeObject *> _Link
        cdef bint nofollow, sponsored, ugc
        for k in range(len(placements)):
            href, target, text = found[6 * k], found[6 * k + 1], found[6 * k + 2]
            alt, link_type, rel_value = found[6 * k + 3], found[6 * k + 4], found[6 * k + 5]
            placement = placements[k]
            if rel_value:
                rel, nofollow, sponsored, ugc = _rel_flags(rel_value)
                nofollow = nofollow or nofollow_page
            else:
                rel, nofollow, sponsored, ugc = (), nofollow_page, False, False
            size = len(seen)
            key = (target, text, alt, link_type, rel, placement)
            PyObject_GC_UnTrack(key)  # strings and a tuple of strings: never part of a cycle
            seen.add(key)  # hashed once
            if len(seen) == size:
                dropped["duplicate"] += 1
                continue
            # a frozen dataclass: allocated by its type, its slots filled as its __init__ would
            link = link_type_object.tp_new(_Link, <PyObject *> _NO_ARGS, NULL)
            _set_field(link, 0, href)
            _set_field(link, 1, target)
            _set_field(link, 2, text)
            _set_field(link, 3, alt)
            _set_field(link, 4, link_type)
            _set_field(link, 5, rel)
            _set_field(link, 6, nofollow)
            _set_field(link, 7, sponsored)
            _set_field(link, 8, ugc)
            _set_field(link, 9, placement)
            # its fields are strings, bools and a tuple of strings: it cannot be part of a reference
            # cycle, so the cyclic GC need not scan it (on every page and for as long as it lives)
            PyObject_GC_UnTrack(link)
            out.append(link)
        return out

    def anchors(self):
        """Per ``a``/``area`` element in page order: (handle, is_area, href, rel, text, has_image,
        image_alt, area_alt); the fields after href are None when there is no href (links._python_anchors)."""
        cdef int i
        cdef const ls_node *node
        cdef dict images = self._images()
        out = []
        for i in self.anchor_index:
            node = self.nodes[i]
            is_area = self.tags[i] == TAG_AREA
            href = _attr(node, &A_HREF)
            if href is None:
                out.append((i, is_area, None, None, None, False, None, None))
                continue
            has_image = i in images
            out.append((
                i,
                is_area,
                href,
                _attr(node, &A_REL),
                self._text(node),
                has_image,
                images[i] if has_image else None,
                _attr(node, &A_ALT) if is_area else None,
            ))
        return out

    cdef int _paragraph(self, int i, Py_ssize_t *length, Py_ssize_t *commas) except -1:
        text = self._text(self.nodes[i])
        length[0] = len(text.strip())
        commas[0] = text.count(",") if length[0] else 0
        return 0

    def placements(self, list handles, list link_chars):
        """Placement of each anchor in ``handles`` (from :meth:`anchors`), as placement.assign_placements."""
        cdef int n = self.count, k, i, j, best = -1, chosen, share_step
        cdef Py_ssize_t length, commas, chars, total
        cdef double score, final, best_score = 0.0, threshold, share
        cdef long long *linked = NULL
        cdef double *scores = NULL
        cdef unsigned char *marks = NULL
        cdef unsigned char *state = NULL
        cdef int *order = NULL
        cdef int *path = NULL
        cdef int scored = 0, top_count = 0
        cdef int top[TOP_CANDIDATES]
        if n == 0 or not handles:
            return []
        try:
            linked = <long long *> calloc(n, sizeof(long long))
            scores = <double *> calloc(n, sizeof(double))
            marks = <unsigned char *> calloc(n, 1)
            state = <unsigned char *> calloc(n, 1)
            order = <int *> malloc(n * sizeof(int))
            path = <int *> malloc(n * sizeof(int))
            if not (linked and scores and marks and state and order and path):
                raise MemoryError()
            # link text beneath each element: each anchor's to its parent, then children to parents
            # (document order puts every parent before its children)
            for k in range(len(handles)):
                chars = link_chars[k]
                if chars:
                    j = self.parent[<int> handles[k]]
                    if j >= 0:
                        linked[j] += chars
            for i in range(n - 1, 0, -1):
                if linked[i] and self.parent[i] >= 0:
                    linked[self.parent[i]] += linked[i]

            # paragraphs score their parent and grandparents (placement._analyse)
            paragraphs = self.paragraphs[:MAX_PARAGRAPHS]
            if self.brs:
                for i in paragraphs:
                    marks[i] |= M_SEEN
                for k in self.brs[:MAX_PARAGRAPHS]:
                    j = self.parent[k]
                    if j >= 0 and not marks[j] & M_SEEN:
                        marks[j] |= M_SEEN
                        if self.tags[j] not in (TAG_P, TAG_PRE, TAG_TD, TAG_BLOCKQUOTE):
                            paragraphs.append(j)
            classes = {}
            for i in paragraphs:
                self._paragraph(i, &length, &commas)
                chars = linked[i]
                if chars and chars >= LINK_ONLY * length and self.tags[i] == TAG_P:
                    marks[i] |= M_LINK_ONLY
                    continue
                if length < MIN_PARAGRAPH or chars >= length:
                    continue
                score = (1 + commas + min(length // 100, 3)) * (1.0 - <double> chars / length)
                j = self.parent[i]
                for share_step in range(3):
                    if j < 0:
                        break
                    if not marks[j] & M_SCORED:
                        marks[j] |= M_SCORED
                        order[scored] = j
                        scored += 1
                        scores[j] = self._weight(j, classes)
                    share = 1.0 if share_step == 0 else (0.5 if share_step == 1 else 1.0 / 3.0)
                    scores[j] = scores[j] + score * share
                    j = self.parent[j]
            if scored == 0:
                return self._place(handles, state, marks, False, path)

            # the best of the top candidates once their own link density is counted
            for k in range(TOP_CANDIDATES):
                chosen = -1
                for i in range(scored):
                    j = order[i]
                    if marks[j] & M_TOP:
                        continue
                    if chosen < 0 or scores[j] > scores[chosen]:
                        chosen = j
                if chosen < 0:
                    break
                marks[chosen] |= M_TOP
                top[top_count] = chosen
                top_count += 1
            for k in range(top_count):
                j = top[k]
                total = len(self._text(self.nodes[j]).strip()) or 1
                final = scores[j] * (1.0 - min(1.0, <double> linked[j] / total))
                scores[j] = final
                if final > best_score:
                    best, best_score = j, final
            if best < 0 or best_score < MIN_MAIN_SCORE:
                return self._place(handles, state, marks, False, path)
            marks[best] |= M_MAIN
            # similar siblings
            threshold = max(10.0, best_score * 0.2)
            j = self.parent[best]
            i = j + 1 if j >= 0 else 0
            while i < (self.end[j] if j >= 0 else n):
                if i != best and marks[i] & M_SCORED and scores[i] >= threshold:
                    marks[i] |= M_MAIN
                i = self.end[i]
            # chunks of the article repeat the best block's tag and class
            best_class = classes.get(best)
            if best_class is not None:
                for i, cls in classes.items():
                    if cls == best_class and self.tags[<int> i] == self.tags[best]:
                        marks[<int> i] |= M_MAIN
            # the main blocks and their ancestors: their markers describe the page
            for i in range(n):
                if marks[i] & M_MAIN:
                    j = i
                    while j >= 0 and not marks[j] & M_ABOVE_MAIN:
                        marks[j] |= M_ABOVE_MAIN
                        j = self.parent[j]
            return self._place(handles, state, marks, True, path)
        finally:
            free(linked)
            free(scores)
            free(marks)
            free(state)
            free(order)
            free(path)

    cdef int _weight(self, int j, dict classes) except? -9999:
        """A candidate block's starting score: tag weight plus class/id weight (placement._analyse)."""
        cdef uintptr_t tag = self.tags[j]
        cdef const ls_node *node = self.nodes[j]
        cls = _attr(node, &A_CLASS)
        ident = _attr(node, &A_ID)
        if cls:
            classes[j] = cls
        cdef int weight = tag_weight[tag] if tag < STATIC_IDS else 0
        return weight + _class_weight(cls, ident)

    cdef list _place(self, list handles, unsigned char *state, unsigned char *marks, bint has_main, int *path):
        """Each anchor's placement from its ancestors' markers, top-down (placement.assign_placements)."""
        cdef int k, i, j, depth, code, marker
        cdef unsigned char st
        cdef uintptr_t tag
        cdef const ls_node *node
        cdef bint after_main = False
        cdef list out = []
        cdef tuple names = _PLACEMENTS
        for k in range(len(handles)):
            i = self.parent[<int> handles[k]]
            # the ancestors whose state is not known yet, bottom-up
            depth = 0
            j = i
            while j >= 0 and not state[j] & S_DONE:
                path[depth] = j
                depth += 1
                j = self.parent[j]
            st = state[j] if j >= 0 else 0
            while depth:
                depth -= 1
                j = path[depth]
                tag = self.tags[j]
                code = st & 7
                marker = 0
                if not (tag < STATIC_IDS and tag_flags[tag] & F_INLINE) and (
                    code == 0 or not (tag < STATIC_IDS and tag_flags[tag] & F_MINOR)
                ):
                    node = self.nodes[j]
                    cls = _attr(node, &A_CLASS)
                    ident = _attr(node, &A_ID)
                    role = _attr(node, &A_ROLE)
                    if cls is None and ident is None and role is None:
                        marker = tag_marker[tag] if tag < STATIC_IDS else 0
                    else:
                        marker = _CODES[_marker_of(_tag_names[tag] if tag < STATIC_IDS else None, role, cls, ident)]
                    if marker == 0 and marks[j] & M_LINK_ONLY:
                        marker = CODE_SIDEBAR
                    if marker:
                        if marks[j] & M_ABOVE_MAIN:
                            marker = 0
                        else:
                            st = (st & ~7) | marker
                if marks[j] & M_MAIN:
                    st |= S_INSIDE
                st |= S_DONE
                state[j] = st
            code = st & 7
            if code == 0:
                if not has_main or st & S_INSIDE:
                    code = CODE_BODY
                else:
                    code = CODE_FOOTER if after_main else CODE_HEADER
            if st & S_INSIDE:
                after_main = True
            out.append(names[code])
        return out


cdef uintptr_t _id_at(node_object):
    return (<const ls_node *> <uintptr_t> node_object.mem_id).local_name


def _calibrate():
    """Learn Lexbor's ids for the tags and attributes read here, from pages parsed by selectolax."""
    from selectolax.lexbor import LexborHTMLParser

    global TAG_A, TAG_AREA, TAG_IMG, TAG_BR, TAG_P, TAG_PRE, TAG_TD, TAG_BLOCKQUOTE, TAG_LINK, TAG_META, TAG_BASE
    global TAG_SCRIPT, TAG_STYLE, NS_HTML
    p = _placement
    names = sorted(set(p._TAGS) | set(p._TAG_WEIGHT) | p._INLINE | p._MINOR | set(p._PARAGRAPHS)
                   | {"a", "area", "img", "br", "link", "meta", "base", "script", "style"})
    table = {"td", "th", "tr"}
    ids = []
    for order in (names, names[::-1]):
        body = "".join(f"<{t}></{t}>" for t in order if t not in table)
        tree = LexborHTMLParser(f"<html><body>{body}<table><tr><th></th><td></td></tr></table></body></html>")
        found = {}
        for t in names:
            elements = tree.tags(t)
            if not elements:
                raise ImportError(f"calibration: no <{t}> parsed")
            found[t] = _id_at(elements[0])
        ids.append(found)
    if ids[0] != ids[1] or any(v >= STATIC_IDS or v == 0 for v in ids[0].values()):
        raise ImportError("calibration: tag ids are not Lexbor's static ids")
    for t, tag in ids[0].items():
        _tag_names[tag] = t
        tag_flags[tag] = (F_INLINE if t in p._INLINE else 0) | (F_MINOR if t in p._MINOR else 0)
        tag_weight[tag] = p._TAG_WEIGHT.get(t, 0)
        tag_marker[tag] = _CODES[p._TAGS.get(t)]
    found = ids[0]
    TAG_A, TAG_AREA, TAG_IMG, TAG_BR = found["a"], found["area"], found["img"], found["br"]
    TAG_P, TAG_PRE, TAG_TD, TAG_BLOCKQUOTE = found["p"], found["pre"], found["td"], found["blockquote"]
    TAG_LINK, TAG_META, TAG_BASE = found["link"], found["meta"], found["base"]
    TAG_SCRIPT, TAG_STYLE = found["script"], found["style"]
    svg = LexborHTMLParser("<p></p><svg><script></script></svg>")
    NS_HTML = (<const ls_node *> <uintptr_t> svg.css_first("p").mem_id).ns
    if NS_HTML == 0 or (<const ls_node *> <uintptr_t> svg.css_first("script").mem_id).ns == NS_HTML:
        raise ImportError("calibration: namespaces not told apart")

    cdef AttrName *attrs[9]
    attrs[0], attrs[1], attrs[2], attrs[3], attrs[4], attrs[5] = &A_HREF, &A_REL, &A_CLASS, &A_ID, &A_ROLE, &A_ALT
    attrs[6], attrs[7], attrs[8] = &A_HTTP_EQUIV, &A_NAME, &A_CONTENT
    cdef const ls_attr *attr
    cdef int k
    seen = []
    names = "href rel class id role alt http-equiv name content"
    for order in (names, " ".join(reversed(names.split()))):
        html = "<div " + " ".join(f'{a}="v-{a}"' for a in order.split()) + "></div>"
        div = LexborHTMLParser(html).css_first("div")
        by_value = {}
        attr = (<const ls_element *> <uintptr_t> div.mem_id).first_attr
        while attr != NULL:
            if attr.value == NULL:
                raise ImportError("calibration: attribute without value")
            value = (<const char *> attr.value.data)[:attr.value.length].decode()
            by_value[value[2:]] = attr.node.local_name
            attr = attr.next
        seen.append(by_value)
    for k in range(9):
        name = attrs[k].name[:attrs[k].length].decode()
        first, second = seen[0].get(name), seen[1].get(name)
        if first is None:
            raise ImportError(f"calibration: attribute {name} not found")
        attrs[k].static_id = first if first == second and first < STATIC_IDS else 0


def _self_check():
    """Compare this walk with selectolax's own answers on a small page; ImportError on any difference."""
    from selectolax.lexbor import LexborHTMLParser

    html = (
        '<html><body><nav role="navigation" class="menu"><ul><li><a href="/a" rel="nofollow">One</a></li>'
        '<li><a href="/b" class="x y" id="z">T<b>w</b>o\u00e9</a></li></ul></nav><div id="main"><p>Text, '
        'more text <a href="/c"><img alt="pic" src="i.png"></a> and <a name="x">no href</a></p>'
        '<map><area href="/d" alt="area alt"></map><svg><a xlink:href="/e">svg</a></svg></div></body></html>'
    )
    tree = LexborHTMLParser(html)
    walk = PageWalk(tree)
    expected = tree.css("a, area")
    got = walk.anchors()
    if len(got) != len(expected):
        raise ImportError("self-check: anchors differ")
    for el, (handle, is_area, href, rel, text, has_image, image_alt, area_alt) in zip(expected, got):
        attrs = el.attributes
        if (href, is_area) != (attrs.get("href"), el.tag == "area"):
            raise ImportError("self-check: href differs")
        if href is not None and (rel, text) != (attrs.get("rel"), el.text_lexbor()):
            raise ImportError("self-check: rel or text differs")
    if [a[5:7] for a in got if a[2] == "/c"] != [(True, "pic")]:
        raise ImportError("self-check: image alt differs")
    nav = tree.css_first("nav")
    if _attr(<const ls_node *> <uintptr_t> nav.mem_id, &A_ROLE) != "navigation":
        raise ImportError("self-check: role differs")


_calibrate()
_self_check()
