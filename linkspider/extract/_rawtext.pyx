# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Script and style content cut out of a page before it is parsed.

A third of Lexbor's parse goes to tokenizing ``<script>`` and ``<style>`` content, which extraction
never reads (it is code, not text). :func:`strip` finds each script and style start tag the HTML
tokenizer would meet in its data state, finds where the tokenizer would end the element's content
(for scripts, through the script-data escape states of the HTML standard, section 13.2.5), and
replaces content of ``min_length`` bytes or more with the single byte :data:`MARKER`.

Where a content starts and ends is found exactly (its start tag's attributes are read as the
tokenizer reads them). The scan between them is quick rather than exact: it models comments, bogus
comments and the RAWTEXT and RCDATA elements, passes other start tags at their name (so it reads
their attributes as text), and knows nothing of the tree builder (a ``<frameset>`` that drops
scripts; foreign content beyond counting ``<svg>`` and ``<math>``). So every cut is checked: the
walker counts the HTML script and style elements whose whole text is :data:`MARKER`, and links.py
parses the page again, whole, when that count differs from the number of cuts. A page that already
holds the marker byte is not cut.
"""
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from libc.stdlib cimport free
from libc.string cimport memchr, memcpy

cdef extern from *:
    """
    #include <string.h>
    #include <stdlib.h>

    #define LS_MARKER 1

    static int ls_space(unsigned char c) { return c == ' ' || c == '\\t' || c == '\\n' || c == '\\f' || c == '\\r'; }
    static int ls_alpha(unsigned char c) { return (unsigned char)((c | 0x20) - 'a') < 26; }

    /* Whether the n bytes at p equal `lower` (lowercase letters), ignoring ASCII case. */
    static int ls_name_is(const unsigned char *p, Py_ssize_t n, const char *lower, Py_ssize_t m) {
        if (n != m) return 0;
        for (Py_ssize_t k = 0; k < n; k++) if ((p[k] | 0x20) != (unsigned char)lower[k]) return 0;
        return 1;
    }

    /* After "</" at i: the end tag `name` that ends a raw text element ("an appropriate end tag"):
       the name in any case, then whitespace, '/' or '>'. */
    static int ls_end_tag_at(const unsigned char *p, Py_ssize_t i, Py_ssize_t len, const char *name, Py_ssize_t n) {
        if (i + n >= len) return 0;
        for (Py_ssize_t k = 0; k < n; k++) if ((p[i + k] | 0x20) != (unsigned char)name[k]) return 0;
        unsigned char c = p[i + n];
        return ls_space(c) || c == '/' || c == '>';
    }

    /* Where a tag ends: the index after its '>', or -1 at the end of input. i is just past the tag
       name; attributes are skipped as the tokenizer reads them (a quoted value may hold '>'). */
    static Py_ssize_t ls_tag_end(const unsigned char *p, Py_ssize_t i, Py_ssize_t len) {
        for (;;) {
            while (i < len && (ls_space(p[i]) || p[i] == '/')) i++;
            if (i >= len) return -1;
            if (p[i] == '>') return i + 1;
            i++;  /* an attribute name's first character, '=' included */
            while (i < len && !ls_space(p[i]) && p[i] != '/' && p[i] != '>' && p[i] != '=') i++;
            while (i < len && ls_space(p[i])) i++;
            if (i >= len) return -1;
            if (p[i] != '=') continue;
            i++;
            while (i < len && ls_space(p[i])) i++;
            if (i >= len) return -1;
            if (p[i] == '"' || p[i] == '\\'') {
                const unsigned char *q = memchr(p + i + 1, p[i], len - i - 1);
                if (q == NULL) return -1;
                i = q - p + 1;
            } else {
                while (i < len && !ls_space(p[i]) && p[i] != '>') i++;
            }
        }
    }

    /* Where RAWTEXT or RCDATA content that starts at i ends: the '<' of its end tag, or -1. */
    static Py_ssize_t ls_rawtext_end(const unsigned char *p, Py_ssize_t i, Py_ssize_t len, const char *name, Py_ssize_t n) {
        while (i < len) {
            const unsigned char *q = memchr(p + i, '<', len - i);
            if (q == NULL) return -1;
            i = q - p;
            if (i + 1 < len && p[i + 1] == '/' && ls_end_tag_at(p, i + 2, len, name, n)) return i;
            i++;
        }
        return -1;
    }

    /* After '<' at i in a script's escape states: the ASCII letters that follow, and whether they
       spell "script" followed by whitespace, '/' or '>' (the double-escape switch). */
    static int ls_script_word(const unsigned char *p, Py_ssize_t i, Py_ssize_t len, Py_ssize_t *letters) {
        Py_ssize_t k = i;
        while (k < len && ls_alpha(p[k])) k++;
        *letters = k - i;
        return k < len && ls_name_is(p + i, k - i, "script", 6) && (ls_space(p[k]) || p[k] == '/' || p[k] == '>');
    }

    enum { S_DATA, S_ESC, S_ESC_DASH, S_ESC_DASH_DASH, S_DBL, S_DBL_DASH, S_DBL_DASH_DASH };

    /* Where script content that starts at i ends: the '<' of the "</script" that ends it, or -1.
       The script data states of the HTML tokenizer: "<!--" escapes, "<script" inside an escape
       escapes doubly (a "</script" there does not end the element), "-->" ends either. */
    static Py_ssize_t ls_script_end(const unsigned char *p, Py_ssize_t i, Py_ssize_t len) {
        int st = S_DATA;
        Py_ssize_t letters;
        while (i < len) {
            unsigned char c = p[i];
            switch (st) {
            case S_DATA: {
                const unsigned char *q = memchr(p + i, '<', len - i);
                if (q == NULL) return -1;
                i = q - p;
                if (i + 1 < len && p[i + 1] == '/') {
                    if (ls_end_tag_at(p, i + 2, len, "script", 6)) return i;
                    i += 2;  /* the tag name's letters hold no '<'; the first other byte is read again */
                } else if (i + 3 < len && p[i + 1] == '!' && p[i + 2] == '-' && p[i + 3] == '-') {
                    st = S_ESC_DASH_DASH;
                    i += 4;
                } else {
                    i++;
                }
                continue;
            }
            default: {
                /* the escaped and the double-escaped states: each a base state, "-" and "--" after it */
                int base = st >= S_DBL ? S_DBL : S_ESC;
                if (c == '-') {
                    st = st == base ? base + 1 : base + 2;
                    i++;
                } else if (c == '>' && st == base + 2) {
                    st = S_DATA;
                    i++;
                } else if (c != '<') {
                    st = base;
                    i++;
                } else if (base == S_ESC) {
                    st = S_ESC;
                    if (i + 1 < len && p[i + 1] == '/') {
                        if (ls_end_tag_at(p, i + 2, len, "script", 6)) return i;
                        i += 2;
                    } else if (ls_script_word(p, i + 1, len, &letters)) {
                        st = S_DBL;
                        i += 1 + letters + 1;
                    } else {
                        i += 1 + letters;
                    }
                } else {
                    st = S_DBL;
                    if (i + 1 < len && p[i + 1] == '/') {
                        if (ls_script_word(p, i + 2, len, &letters)) {
                            st = S_ESC;
                            i += 2 + letters + 1;
                        } else {
                            i += 2 + letters;
                        }
                    } else {
                        i++;
                    }
                }
                continue;
            }
            }
        }
        return -1;
    }

    /* Where a comment that starts at i ("<!--") ends: the index after its '>', or -1. */
    static Py_ssize_t ls_comment_end(const unsigned char *p, Py_ssize_t i, Py_ssize_t len) {
        Py_ssize_t k = i + 4;
        if (k < len && p[k] == '>') return k + 1;                          /* <!--> */
        if (k + 1 < len && p[k] == '-' && p[k + 1] == '>') return k + 2;   /* <!---> */
        while (k < len) {
            const unsigned char *q = memchr(p + k, '-', len - k);
            if (q == NULL) return -1;
            k = q - p + 1;
            if (k < len && p[k] == '-') {
                Py_ssize_t m = k + 1;
                while (m < len && p[m] == '-') m++;
                if (m < len && p[m] == '>') return m + 1;
                if (m + 1 < len && p[m] == '!' && p[m + 1] == '>') return m + 2;
                k = m;
            }
        }
        return -1;
    }

    static Py_ssize_t ls_after(const unsigned char *p, Py_ssize_t i, Py_ssize_t len, unsigned char c) {
        const unsigned char *q = i < len ? memchr(p + i, c, len - i) : NULL;
        return q == NULL ? -1 : q - p + 1;
    }

    typedef struct { Py_ssize_t *at; Py_ssize_t n, cap; } ls_spans;

    static int ls_push(ls_spans *s, Py_ssize_t start, Py_ssize_t end) {
        if (s->n + 2 > s->cap) {
            Py_ssize_t cap = s->cap ? 2 * s->cap : 64;
            Py_ssize_t *at = realloc(s->at, cap * sizeof(Py_ssize_t));
            if (at == NULL) return -1;
            s->at = at;
            s->cap = cap;
        }
        s->at[s->n++] = start;
        s->at[s->n++] = end;
        return 0;
    }

    enum { K_OTHER, K_SCRIPT, K_STYLE, K_RAW, K_PLAINTEXT, K_FOREIGN, K_TEMPLATE };

    /* What a tag name means to the scan; for K_RAW (RAWTEXT and RCDATA elements) also its name. */
    static int ls_kind(const unsigned char *name, Py_ssize_t n, const char **raw) {
    #define LS_IS(word, kind) if (ls_name_is(name, n, word, sizeof(word) - 1)) { *raw = word; return kind; }
        switch (n) {
        case 3: LS_IS("svg", K_FOREIGN) LS_IS("xmp", K_RAW) break;
        case 4: LS_IS("math", K_FOREIGN) break;
        case 5: LS_IS("style", K_STYLE) LS_IS("title", K_RAW) break;
        case 6: LS_IS("script", K_SCRIPT) LS_IS("iframe", K_RAW) break;
        case 7: LS_IS("noembed", K_RAW) break;
        case 8: LS_IS("template", K_TEMPLATE) LS_IS("textarea", K_RAW) LS_IS("noframes", K_RAW) break;
        case 9: LS_IS("plaintext", K_PLAINTEXT) break;
        }
        return K_OTHER;
    #undef LS_IS
    }

    /* The spans (start, end) of script and style content of at least min_length bytes, outside
       <svg>, <math> and <template>; -1 when out of memory. Tags other than the ones that change
       the tokenizer's state or where content is kept are passed at their name: their attributes
       are read as text, so a "<script" inside an attribute value makes a cut the walker will not
       confirm (the page is then parsed whole), and costs no time on the rest of the page. */
    static int ls_scan(const unsigned char *p, Py_ssize_t len, Py_ssize_t min_length, ls_spans *out) {
        Py_ssize_t i = 0, foreign = 0, templates = 0;
        while (i >= 0 && i + 1 < len) {
            const unsigned char *q = memchr(p + i, '<', len - i - 1);
            if (q == NULL) break;
            i = q - p;
            unsigned char c = p[i + 1];
            if (ls_alpha(c)) {
                Py_ssize_t k = i + 1, start, end;
                const char *raw = NULL;
                while (k < len && !ls_space(p[k]) && p[k] != '/' && p[k] != '>') k++;
                int kind = ls_kind(p + i + 1, k - i - 1, &raw);
                if (kind == K_OTHER) {
                    i = k;
                    continue;
                }
                start = ls_tag_end(p, k, len);
                if (start < 0) break;
                switch (kind) {
                case K_FOREIGN: foreign++; i = start; break;
                case K_TEMPLATE: templates++; i = start; break;
                case K_PLAINTEXT: i = -1; break;
                case K_RAW:
                    end = ls_rawtext_end(p, start, len, raw, (Py_ssize_t)strlen(raw));
                    i = end < 0 ? -1 : ls_tag_end(p, end + 2 + (Py_ssize_t)strlen(raw), len);
                    break;
                default:
                    end = kind == K_SCRIPT ? ls_script_end(p, start, len) : ls_rawtext_end(p, start, len, "style", 5);
                    if (end >= 0 && end - start >= min_length && !foreign && !templates
                        && ls_push(out, start, end) < 0) return -1;
                    /* the end tag, attributes and all (after "</script" the tokenizer reads a tag) */
                    i = end < 0 ? -1 : ls_tag_end(p, end + 2 + (kind == K_SCRIPT ? 6 : 5), len);
                }
            } else if (c == '/') {
                if (i + 2 < len && ls_alpha(p[i + 2])) {
                    Py_ssize_t k = i + 2;
                    const char *raw = NULL;
                    while (k < len && !ls_space(p[k]) && p[k] != '/' && p[k] != '>') k++;
                    int kind = ls_kind(p + i + 2, k - i - 2, &raw);
                    if (kind == K_FOREIGN && foreign) foreign--;
                    else if (kind == K_TEMPLATE && templates) templates--;
                    i = ls_tag_end(p, k, len);  /* end tags rarely have attributes: exact, and cheap */
                } else {
                    i = ls_after(p, i + 2, len, '>');  /* "</>" or a bogus comment */
                }
            } else if (c == '!') {
                if (i + 3 < len && p[i + 2] == '-' && p[i + 3] == '-') {
                    i = ls_comment_end(p, i, len);
                } else if (foreign && len - i >= 9 && memcmp(p + i + 2, "[CDATA[", 7) == 0) {
                    Py_ssize_t k = i + 9;
                    for (i = -1; k + 2 < len; k++) {
                        if (p[k] == ']' && p[k + 1] == ']' && p[k + 2] == '>') { i = k + 3; break; }
                    }
                } else {
                    i = ls_after(p, i + 2, len, '>');
                }
            } else if (c == '?') {
                i = ls_after(p, i + 2, len, '>');
            } else {
                i++;
            }
        }
        return 0;
    }
    """
    ctypedef struct ls_spans:
        Py_ssize_t *at
        Py_ssize_t n
        Py_ssize_t cap
    int LS_MARKER
    int ls_scan(const unsigned char *p, Py_ssize_t len, Py_ssize_t min_length, ls_spans *out) nogil
    Py_ssize_t ls_script_end(const unsigned char *p, Py_ssize_t i, Py_ssize_t len) nogil
    Py_ssize_t ls_tag_end(const unsigned char *p, Py_ssize_t i, Py_ssize_t len) nogil

#: The byte that stands in for cut content: a script or style whose whole text is this byte was cut.
MARKER = bytes([LS_MARKER])


def spans(bytes body, Py_ssize_t min_length=1):
    """The (start, end) byte spans of the script and style content :func:`strip` would cut."""
    cdef ls_spans found
    found.at, found.n, found.cap = NULL, 0, 0
    try:
        if ls_scan(<const unsigned char *> PyBytes_AS_STRING(body), PyBytes_GET_SIZE(body), min_length, &found) < 0:
            raise MemoryError()
        return [(found.at[k], found.at[k + 1]) for k in range(0, found.n, 2)]
    finally:
        free(found.at)


def strip(bytes body, Py_ssize_t min_length):
    """(``body`` with each script and style content of ``min_length`` bytes or more replaced by
    :data:`MARKER`, number of contents replaced); ``body`` itself when there are none."""
    cdef ls_spans found
    cdef Py_ssize_t k, at = 0, size, cut = 0, previous = 0, piece
    cdef const char *src = PyBytes_AS_STRING(body)
    cdef char *dst
    found.at, found.n, found.cap = NULL, 0, 0
    if memchr(src, LS_MARKER, PyBytes_GET_SIZE(body)) != NULL:
        return body, 0  # the page has the marker byte: a cut could not be told from the page's own text
    try:
        if ls_scan(<const unsigned char *> src, PyBytes_GET_SIZE(body), min_length, &found) < 0:
            raise MemoryError()
        if found.n == 0:
            return body, 0
        for k in range(0, found.n, 2):
            cut += found.at[k + 1] - found.at[k] - 1
        size = PyBytes_GET_SIZE(body) - cut
        out = PyBytes_FromStringAndSize(NULL, size)
        dst = PyBytes_AS_STRING(out)
        for k in range(0, found.n, 2):
            piece = found.at[k] - previous
            memcpy(dst + at, src + previous, piece)
            at += piece
            dst[at] = LS_MARKER
            at += 1
            previous = found.at[k + 1]
        memcpy(dst + at, src + previous, PyBytes_GET_SIZE(body) - previous)
        return out, found.n // 2
    finally:
        free(found.at)


def script_end(bytes body, Py_ssize_t start):
    """For tests: where script content starting at ``start`` ends (the '<' of its end tag), or -1."""
    return ls_script_end(<const unsigned char *> PyBytes_AS_STRING(body), start, PyBytes_GET_SIZE(body))


def tag_end(bytes body, Py_ssize_t start):
    """For tests: the index after the '>' of a tag whose attributes start at ``start``, or -1."""
    return ls_tag_end(<const unsigned char *> PyBytes_AS_STRING(body), start, PyBytes_GET_SIZE(body))
