"""Every message a reader sees, in one catalog: a stable code -> Arabic text, English text.

The web site shows the Arabic text; the command line, whose terminals rarely lay out
right-to-left text, prints the English one. Texts are ``str.format`` templates over
named parameters. In Arabic text every parameter is wrapped in FIRST STRONG ISOLATE /
POP DIRECTIONAL ISOLATE (U+2068 / U+2069), so a file name, a number or a Latin word keeps
its own direction inside the sentence (the same job ``<bdi>`` does in HTML).

>>> arabic("unknown_source", source="a.txt")
'لا يوجد في الفهرس ملف اسمه \\u2068a.txt\\u2069'
>>> english("unknown_source", source="a.txt")
'unknown source: a.txt'
"""

from __future__ import annotations


FSI = "\u2068"  # FIRST STRONG ISOLATE
PDI = "\u2069"  # POP DIRECTIONAL ISOLATE

#: code -> (Arabic, English). Codes are stable: the JSON API and scripts rely on them.
MESSAGES: dict[str, tuple[str, str]] = {
    # -- queries (search/query.py) ---------------------------------------------------------
    "query_empty": (
        "لا كلمات في البحث: اكتب كلمة للبحث عنها.",
        "the query is empty: it has no words to search for; type a word",
    ),
    "query_too_long": (
        "نص البحث طويل جدًّا ({length} حرفًا، والحد {limit} حرف): اختصره.",
        "the query is too long ({length} characters; at most {limit})",
    ),
    "or_needs_words": (
        "تحتاج {operator} إلى كلمة قبلها وكلمة بعدها، مثل: {example}",
        "OR needs a word on each side, e.g. سوريا OR روسيا",
    ),
    "minus_needs_word": (
        "ضع بعد علامة {operator} كلمة تريد استبعادها، مثل: {example}",
        "'-' must be followed by a word to exclude, e.g. -روسيا",
    ),
    "prefix_too_short": (
        "البحث ببداية الكلمة يحتاج إلى حرفين على الأقل قبل {operator}، مثل: {example}",
        "a prefix search needs at least 2 letters before *, e.g. سور*",
    ),
    "star_not_at_end": (
        "لا تأتي {operator} إلا في آخر الكلمة، مثل: {example}",
        "* can only end a word, e.g. سور*",
    ),
    "near_needs_words": (
        "تحتاج {operator} إلى كلمة قبلها وكلمة بعدها، مثل: {example}",
        "NEAR needs a word on each side, e.g. بوتين NEAR/5 الأسد",
    ),
    "root_needs_word": (
        "اكتب بعد {operator} كلمة أو جذرًا، مثل: {example}",
        "root: needs a word or a root after it, e.g. root:صبر",
    ),
    "roots_needed_for_search": (
        "البحث بالجذر يحتاج إلى فهرس مبني بالجذور: أعد بناءه بالأمر {command}",
        "searching by root needs an index built with roots: rebuild it with "
        "`arabic-search index CORPUS --rebuild --roots`",
    ),
    "too_many_words": (
        "في البحث كلمات كثيرة جدًّا (الحد {limit} كلمة): احذف بعضها.",
        "the query has too many words (at most {limit})",
    ),
    "or_with_exclusion": (
        "لا يمكن أن تكون كلمة مستبعدة ({example}) طرفًا في {operator}.",
        "an excluded word (-word) cannot be part of an OR",
    ),
    "only_exclusions": (
        "البحث يستبعد كلمات فقط: أضف كلمة تبحث عنها.",
        "the query only excludes words: add a word to search for",
    ),
    "nothing_to_search": (
        "لا شيء نبحث عنه: «{words}» كلمات شائعة جدًّا؛ أضف كلمة أدق.",
        "nothing to search for: «{words}» has only very common words; add a more specific word",
    ),
    "prefix_too_many": (
        "«{prefix}*» تطابق كلمات كثيرة جدًّا: اكتب أحرفًا أكثر.",
        "«{prefix}*» matches too many words: type more letters",
    ),
    # -- the index (search/index.py, search/storage.py, search/passages.py) ----------------
    "unknown_source": (
        "لا يوجد في الفهرس ملف اسمه {source}",
        "unknown source: {source}",
    ),
    "index_missing": (
        "لم يُبنَ فهرس البحث بعد في {index}: نفّذ الأمر {command} ثم أعد تحميل الصفحة.",
        "no index in {index}: build one with `arabic-search index CORPUS --index {index}`",
    ),
    "index_link_broken": (
        "الفهرس في {index} غير صالح ({reason}): أعد بناءه بالأمر {command}",
        "{index} is not an index link ({reason})",
    ),
    "rebuild_needed": (
        "بُني الفهرس في {index} بإصدار آخر من البرنامج (وجدنا {found}، والمطلوب {expected}): "
        "أعد بناءه بالأمر {command}",
        "the index in {index} was made by another version of arabic-search ({found}; "
        "this version: {expected}): rebuild needed: arabic-search index --rebuild --index {index}",
    ),
    "build_in_progress": (
        "يُعاد بناء الفهرس في {index} الآن ({holder}): انتظر حتى ينتهي ثم أعد المحاولة.",
        "{index} is being built by {holder}: wait for it to finish",
    ),
    "no_corpus": (
        "لم يُذكر مجلد النصوص، والفهرس لا يسجّل مجلدًا: اذكر المجلد في الأمر.",
        "no corpus folder given and the index does not record one",
    ),
    "commentary_not_found": (
        "مجلد الشرح غير موجود: {path}",
        "commentary folder not found: {path}",
    ),
    "corpus_not_found": (
        "مجلد النصوص غير موجود: {path}",
        "corpus folder not found: {path}",
    ),
    "corpus_empty": (
        "لا ملفات في {path}: لن نحذف الملفات المفهرسة ({count})؛ لفهرسة مجلد فارغ أعد البناء "
        "بالأمر {command}",
        "{path} has no files: not removing the {count} indexed file(s); to index an empty "
        "folder, rebuild: arabic-search index {path} --rebuild",
    ),
    # -- a sharded index on a Dask cluster (search/cluster.py, search/shards.py) -----------
    "cluster_index_missing": (
        "لا فهرس موزّعًا في {index}: ابنِه بالأمر {command}",
        "no sharded index in {index}: build one with `arabic-search index CORPUS --index "
        "{index} --shards N --cluster ADDRESS`",
    ),
    "cluster_needs_dask": (
        "العمل على عنقود يحتاج إلى Dask: نفّذ {command}",
        "a cluster needs Dask: pip install 'arabic-search[cluster]'",
    ),
    "cluster_unreachable": (
        "لا يجيب مجدول Dask في {address} ({reason}).",
        "no Dask scheduler answers at {address}: {reason}",
    ),
    "cluster_timeout": (
        "{what}: لم تُجب كل أجزاء الفهرس خلال {seconds} ثانية.",
        "{what}: the shards did not all answer within {seconds} s",
    ),
    "cluster_shard_failed": (
        "{what}: تعطّل أحد أجزاء الفهرس ({reason}).",
        "{what}: a shard failed ({reason})",
    ),
    "cluster_no_workers": (
        "لا عمّال في عنقود Dask: شغّل بعضهم بالأمر {command}",
        "the Dask cluster has no workers: start some with `dask worker SCHEDULER_ADDRESS`",
    ),
    "cluster_unsupported": (
        "{feature} غير متاح على فهرس موزّع بعد.",
        "{feature} is not available on a sharded index yet",
    ),
    "shards_needed": (
        "الفهرس الموزّع الجديد يحتاج إلى عدد الأجزاء: أضف --shards N",
        "--shards N is needed for a new sharded index",
    ),
    "shards_too_few": (
        "عدد الأجزاء يجب أن يكون واحدًا على الأقل، لا {shards}",
        "--shards must be at least 1, not {shards}",
    ),
    "shard_version_mismatch": (
        "جزء من الفهرس لم يفحص «{prefix}»: هل تعمل الأجزاء والمنسّق بالإصدار نفسه؟",
        "a shard did not scan «{prefix}»: are the shards and this coordinator running the "
        "same version?",
    ),
    "index_folder": (
        "لا يمكن استعمال {path} مجلدًا للفهرس ({reason}).",
        "cannot use {path} as the index folder: {reason}",
    ),
    "worker_died": (
        "توقفت عملية كتابة (رمز الخروج {code}) قبل أن تنهي نصيبها؛ لم يُنشر شيء: أعد البناء.",
        "a writer process stopped (exit code {code}) before finishing its share; nothing was "
        "published: run the build again",
    ),
    "file_unreadable": (
        "تعذّرت قراءة {source} نصًّا ({reason}): احفظه بترميز UTF-8 أو انقله خارج مجلد النصوص.",
        "{source}: cannot read as text ({reason}); save it as UTF-8 or move it out of the corpus",
    ),
    # -- the question re-ranking (search/rerank.py) -----------------------------------------
    "rerank_model_unreadable": (
        "تعذّرت قراءة نموذج إعادة الترتيب في {path} ({reason}): درّب نموذجًا بالأمر {command} "
        "ثم اذكر مجلده.",
        "cannot read the re-ranking model in {path} ({reason}): fit one with "
        "`python bench/fit_rerank.py DATA --out DIR` and point Ranking.rerank_model at DIR",
    ),
    # -- concordance and frequency (search/concordance.py) ----------------------------------
    "roots_needed": (
        "عدّ الكلمات بجذرها يحتاج إلى فهرس مبني بالجذور: أعد بناءه بالأمر {command}",
        "frequency by root needs an index built with roots: rebuild it with "
        "`arabic-search index CORPUS --rebuild --roots --index {index}`",
    ),
    # -- why a hit matched (search/explain.py): one label per results.HOWS ----------------
    "how_exact": ("كما كُتبت", "as typed"),
    "how_diacritics": ("بتشكيل آخر", "other diacritics"),
    "how_hamza": ("بهمزة على كرسي آخر", "the hamza on another seat"),
    "how_alef": ("بصورة أخرى للألف", "another form of alef"),
    "how_ta_marbuta": ("بالتاء المربوطة أو الهاء", "ta marbuta or heh"),
    "how_alef_maqsura": ("بالألف المقصورة أو الياء", "alef maqsura or yeh"),
    "how_tatweel": ("بالتطويل", "with tatweel"),
    "how_digits": ("بأرقام أخرى", "other digits"),
    "how_clitic": ("مع سابقة أو لاحقة", "with a clitic"),
    "how_stem": ("صيغة أخرى للكلمة", "another form of the word"),
    "how_root": ("من الجذر نفسه", "the same root"),
    "how_variant": ("كتابة أخرى للاسم", "another spelling of the name"),
    "how_typo": ("بعد تصحيح الإملاء", "the word corrected"),
    "how_keyboard": ("مكتوبة بلوحة المفاتيح الأخرى", "typed with the other keyboard layout"),
    # -- web requests (web/views.py) -------------------------------------------------------
    "q_required": (
        "اكتب كلمة أو أكثر للبحث عنها.",
        "q is required: give some words to search for",
    ),
    "q_too_long": (
        "نص البحث طويل جدًّا: الحد {limit} حرف.",
        "q is too long: at most {limit} characters",
    ),
    "not_positive_int": (
        "قيمة {name} يجب أن تكون عددًا صحيحًا موجبًا.",
        "{name} must be a positive integer",
    ),
    "number_too_large": (
        "قيمة {name} كبيرة جدًّا: {limit} أرقام على الأكثر.",
        "{name} is too large: at most {limit} digits",
    ),
    "per_page_too_large": (
        "عدد النتائج في الصفحة {limit} على الأكثر.",
        "per_page must be <= {limit}",
    ),
    "too_many_sources": (
        "اخترت ملفات كثيرة للتصفية: {limit} على الأكثر.",
        "too many source filters: at most {limit}",
    ),
    "exact_unknown": (
        "لا يُعرف خيار المطابقة الحرفية {value}: اختر من {choices}.",
        "unknown exact option {value}: choose among {choices}",
    ),
    "bad_choice": (
        "قيمة {name} غير معروفة: اختر واحدة من {choices}.",
        "{name} must be one of {choices}",
    ),
    "passage_not_found": (
        "لا يوجد في {source} مقطع رقمه {passage}.",
        "{source} has no passage {passage}",
    ),
    "document_not_found": (
        "لا يوجد في الفهرس ملف اسمه {source}.",
        "There is no document named {source} in the index.",
    ),
    "index_busy": (
        "يُعاد بناء فهرس البحث الآن: أعد المحاولة بعد لحظات.",
        "The search index is being rebuilt: try again in a moment.",
    ),
    "internal": (
        "حدث خطأ من جهتنا وسُجّل لنراجعه. أعد المحاولة لاحقًا.",
        "Something went wrong on our side. The error has been logged; please try again later.",
    ),
    "not_found": (
        "لا توجد صفحة بهذا العنوان.",
        "Not found.",
    ),
    "method_not_allowed": (
        "هذا العنوان لا يقبل إلا طلبات القراءة (GET).",
        "Method not allowed: this address only answers GET.",
    ),
    "request_too_large": (
        "الطلب أكبر من المسموح.",
        "The request is too large.",
    ),
    "bad_request": (
        "تعذّر فهم الطلب.",
        "Bad request.",
    ),
    "http_error": (
        "تعذّر تنفيذ الطلب (الرمز {status}).",
        "The request failed (status {status}).",
    ),
    # -- server (web/server.py) ------------------------------------------------------------
    "port_busy": (
        "المنفذ {port} على {host} مشغول: أوقف البرنامج الذي يستخدمه أو اختر منفذًا آخر.",
        "port {port} on {host} is in use: stop what uses it or choose another with --port",
    ),
    "cannot_listen": (
        "تعذّر الاستماع على {host}:{port} ({reason}).",
        "cannot listen on {host}:{port} ({reason})",
    ),
    "index_unreadable": (
        "تعذّرت قراءة الفهرس في {index} ({reason}).",
        "cannot read the index in {index} ({reason})",
    ),
}

#: Commands quoted in messages, the same in both languages.
COMMANDS = {
    "index_missing": "arabic-search index CORPUS --index {index}",
    "index_link_broken": "arabic-search index CORPUS --rebuild --index {index}",
    "rebuild_needed": "arabic-search index --rebuild --index {index}",
    "corpus_empty": "arabic-search index {path} --rebuild",
    "roots_needed": "arabic-search index CORPUS --rebuild --roots --index {index}",
    "roots_needed_for_search": "arabic-search index CORPUS --rebuild --roots",
    "cluster_index_missing": "arabic-search index CORPUS --index {index} --shards N --cluster ADDRESS",
    "cluster_needs_dask": "pip install 'arabic-search[cluster]'",
    "cluster_no_workers": "dask worker SCHEDULER_ADDRESS",
    "rerank_model_unreadable": "python bench/fit_rerank.py DATA --out DIR",
}

#: Examples quoted in messages: operators and Arabic words, never translated.
EXAMPLES = {
    "or_needs_words": ("OR", "سوريا OR روسيا"),
    "near_needs_words": ("NEAR/5", "بوتين NEAR/5 الأسد"),
    "root_needs_word": ("جذر:", "جذر:صبر"),
    "minus_needs_word": ("-", "-روسيا"),
    "prefix_too_short": ("*", "سور*"),
    "star_not_at_end": ("*", "سور*"),
    "or_with_exclusion": ("OR", "-كلمة"),
}


def isolate(value) -> str:
    """``value`` as text between FSI and PDI: keeps its own direction in Arabic text."""
    return f"{FSI}{value}{PDI}"


def _fill(code: str, params: dict) -> dict:
    params = dict(params)
    if code in COMMANDS:
        params.setdefault("command", COMMANDS[code].format_map(_Missing(params)))
    if code in EXAMPLES:
        params.setdefault("operator", EXAMPLES[code][0])
        params.setdefault("example", EXAMPLES[code][1])
    return params


class _Missing(dict):
    """Format parameters where one left out shows as ``{name}`` instead of failing."""

    def __missing__(self, key):
        return "{" + key + "}"


def arabic(code: str, **params) -> str:
    """The Arabic message for ``code``, parameters isolated for bidi."""
    params = _fill(code, params)
    isolated = {k: isolate(v) for k, v in params.items() if k != "text"}
    isolated.setdefault("text", params.get("text", ""))
    return MESSAGES[code][0].format_map(_Missing(isolated))


def english(code: str, **params) -> str:
    """The English message for ``code`` (command line, logs)."""
    return MESSAGES[code][1].format_map(_Missing(_fill(code, params)))


def reason(how: str, language: str = "ar") -> str:
    """The label of one reason a hit matched (``results.HOWS``), catalog code ``how_<how>``.

    >>> reason("root"), reason("root", "en")
    ('من الجذر نفسه', 'the same root')
    """
    return (arabic if language == "ar" else english)("how_" + how)
