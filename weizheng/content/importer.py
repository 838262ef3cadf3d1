"""Bulk import of documents: a CSV or JSON file, a ZIP of text/HTML files, or (from the command
line) a folder of them. The format is in docs/content.md.

Each row is imported whole in its own transaction or rejected with its reason: a row is never
half-imported (no item without its translation pairing, no item with half its fields). Rows are
created as drafts by the importing user and go through 三审 like any other item; `submit` hands
them to the first reviewer at once. `check_only` runs every check and saves nothing.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from weizheng.core.actions import do_audit
from weizheng.core.errors import AppError
from weizheng.wechat.models import OfficialAccount

from .actions import check_save_item, clean_item_data, do_submit
from .models import Item, Kind, Language, Validity

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 2000
# Column → what it holds. Chinese headers are accepted too (ALIASES).
COLUMNS = {
    "title": "标题 — required",
    "kind": "policy (default) or news",
    "language": "zh-hans or en (default: the account's language)",
    "document_number": "发文字号, e.g. 国办发〔2013〕100号",
    "issuer": "发文机关",
    "topic": "主题",
    "written_on": "成文日期 YYYY-MM-DD",
    "issued_on": "发布日期 YYYY-MM-DD",
    "effective_on": "施行日期 YYYY-MM-DD",
    "validity": "in_force (default), amended or repealed — or 有效 / 已修改 / 已废止",
    "summary": "摘要",
    "body": "full text: plain text or simple HTML",
    "translation_of": "the document number of the other-language version already in the library (pairs them)",
}
ALIASES = {
    "标题": "title",
    "类型": "kind",
    "语言": "language",
    "发文字号": "document_number",
    "文号": "document_number",
    "发文机关": "issuer",
    "发布机关": "issuer",
    "主题": "topic",
    "主题分类": "topic",
    "成文日期": "written_on",
    "发布日期": "issued_on",
    "施行日期": "effective_on",
    "生效日期": "effective_on",
    "效力": "validity",
    "时效性": "validity",
    "摘要": "summary",
    "正文": "body",
    "全文": "body",
    "译自": "translation_of",
}
VALIDITY_WORDS = {
    "有效": Validity.IN_FORCE,
    "现行有效": Validity.IN_FORCE,
    "已修改": Validity.AMENDED,
    "已修订": Validity.AMENDED,
    "已废止": Validity.REPEALED,
    "失效": Validity.REPEALED,
}
KIND_WORDS = {"政策": Kind.POLICY, "政策文件": Kind.POLICY, "新闻": Kind.NEWS, "动态": Kind.NEWS}
TEXT_SUFFIXES = (".txt", ".text", ".md")
HTML_SUFFIXES = (".html", ".htm")


@dataclass
class Row:
    """One document as read from the file, before any check; `where` names it in the report."""

    where: str
    values: dict[str, Any]


@dataclass
class Rejection:
    where: str
    title: str
    reason: str


@dataclass
class Report:
    source: str
    check_only: bool
    imported: list[tuple[str, int, str]] = field(default_factory=list)  # where, item id, title
    rejected: list[Rejection] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.imported) + len(self.rejected)

    def as_text(self) -> str:
        lines = [
            ("Checked" if self.check_only else "Imported")
            + f" {len(self.imported)} of {self.total} document(s) from {self.source or 'the file'}."
        ]
        for rejection in self.rejected:
            lines.append(f"REJECTED {rejection.where} {rejection.title!r}: {rejection.reason}")
        return "\n".join(lines)


# --- reading ----------------------------------------------------------------------------------
def _key(name: str) -> str:
    name = (name or "").strip().lstrip("\ufeff")
    return ALIASES.get(name, name.lower().replace(" ", "_"))


def read_csv(content: bytes) -> list[Row]:
    text = _decode(content)
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "title" not in {_key(n) for n in reader.fieldnames}:
        raise AppError("bad_import", _("The CSV file needs a header row with a title column."))
    return [
        Row(f"row {number}", {_key(k): (v or "").strip() for k, v in record.items() if k})
        for number, record in enumerate(reader, start=2)
    ]


def read_json(content: bytes) -> list[Row]:
    try:
        data = json.loads(_decode(content))
    except ValueError as exc:
        raise AppError(
            "bad_import", _("The JSON file cannot be read: %(error)s.") % {"error": exc}
        ) from exc
    if isinstance(data, dict):
        data = data.get("documents")
    if not isinstance(data, list):
        raise AppError(
            "bad_import",
            _('The JSON file must hold a list of documents (or {"documents": [...]}).'),
        )
    rows = []
    for number, record in enumerate(data, start=1):
        if not isinstance(record, dict):
            rows.append(Row(f"document {number}", {"__error__": _("not an object")}))
            continue
        rows.append(Row(f"document {number}", {_key(k): v for k, v in record.items()}))
    return rows


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AppError("bad_import", _("The file is neither UTF-8 nor GB18030 text."))


HEADER_LINE = re.compile(r"^\s*([A-Za-z_\u4e00-\u9fff]{2,20})\s*[:：]\s*(.*)$")


def read_text_document(name: str, content: bytes) -> Row:
    """A .txt file: optional `key: value` lines at the top (English or Chinese keys), a blank
    line, then the full text. Without a title line, the first line of the text is the title."""
    values: dict[str, Any] = {}
    try:
        lines = _decode(content).replace("\r\n", "\n").split("\n")
    except AppError as error:
        return Row(name, {"__error__": error.message})
    index = 0
    while index < len(lines):
        match = HEADER_LINE.match(lines[index])
        if not match or _key(match[1]) not in COLUMNS:
            break
        values[_key(match[1])] = match[2].strip()
        index += 1
    body = "\n".join(lines[index:]).strip()
    if "title" not in values and body:
        first, _sep, rest = body.partition("\n")
        values["title"], body = first.strip(), rest.strip()
    values["body"] = body
    return Row(name, values)


class _HtmlDocument(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self.h1 = ""
        self.body: list[str] = []
        self._in: str | None = None
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "meta" and attributes.get("name"):
            self.meta[_key(attributes["name"])] = attributes.get("content", "")
        elif tag in ("title", "h1") and not getattr(self, tag):
            self._in = tag
            if tag == "h1":
                return
        elif tag == "body":
            self._in_body = True
            return
        if self._in_body and self._in != "h1":
            self.body.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None
            return
        if tag == "body":
            self._in_body = False
        elif self._in_body:
            self.body.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title += data
        elif self._in == "h1":
            self.h1 += data
        elif self._in_body:
            self.body.append(data.replace("&", "&amp;").replace("<", "&lt;"))


def read_html_document(name: str, content: bytes) -> Row:
    """An .html file: <meta name="发文字号" content="…"> (or document_number …) for the fields, the
    title from <title> or the first <h1>, the full text from <body> (sanitised when saved)."""
    try:
        text = _decode(content)
    except AppError as error:
        return Row(name, {"__error__": error.message})
    parser = _HtmlDocument()
    parser.feed(text)
    parser.close()
    values = {k: v for k, v in parser.meta.items() if k in COLUMNS}
    values.setdefault("title", (parser.title or parser.h1).strip())
    values["body"] = "".join(parser.body).strip() if parser.body else text
    return Row(name, values)


def read_zip(content: bytes) -> list[Row]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as exc:
        raise AppError("bad_import", _("The ZIP file cannot be opened.")) from exc
    rows = []
    total = 0
    for info in sorted(archive.infolist(), key=lambda i: i.filename):
        name = info.filename
        if info.is_dir() or name.startswith("__MACOSX/") or Path(name).name.startswith("."):
            continue
        total += info.file_size
        if total > 5 * MAX_FILE_BYTES:  # a ZIP bomb is refused before it is read
            raise AppError("bad_import", _("The ZIP file unpacks to more than 100 MB."))
        rows.extend(_document_rows(name, archive.read(info)))
    return rows


def _document_rows(name: str, content: bytes) -> list[Row]:
    lower = name.lower()
    if lower.endswith(TEXT_SUFFIXES):
        return [read_text_document(name, content)]
    if lower.endswith(HTML_SUFFIXES):
        return [read_html_document(name, content)]
    if lower.endswith(".csv"):
        return [Row(f"{name} {r.where}", r.values) for r in read_csv(content)]
    if lower.endswith(".json"):
        return [Row(f"{name} {r.where}", r.values) for r in read_json(content)]
    return [Row(name, {"__error__": _("not a .txt, .html, .csv or .json file")})]


def read_upload(name: str, content: bytes) -> list[Row]:
    """The documents of an uploaded file (CSV, JSON or ZIP)."""
    lower = name.lower()
    if lower.endswith(".zip"):
        rows = read_zip(content)
    elif lower.endswith(".csv"):
        rows = read_csv(content)
    elif lower.endswith(".json"):
        rows = read_json(content)
    elif lower.endswith((*TEXT_SUFFIXES, *HTML_SUFFIXES)):
        rows = _document_rows(name, content)
    else:
        raise AppError("bad_import", _("Upload a .csv, .json or .zip file."))
    return _limited(rows)


def read_path(path: Path) -> list[Row]:
    """The documents of a file or a folder (recursively) on disk, for the command line."""
    if path.is_dir():
        rows = []
        for child in sorted(path.rglob("*")):
            if child.is_file() and not child.name.startswith("."):
                rows.extend(_document_rows(str(child.relative_to(path)), child.read_bytes()))
        return _limited(rows)
    return read_upload(path.name, path.read_bytes())


def _limited(rows: list[Row]) -> list[Row]:
    if not rows:
        raise AppError("bad_import", _("The file holds no documents."))
    if len(rows) > MAX_ROWS:
        raise AppError("bad_import", _("At most %(n)s documents per import.") % {"n": MAX_ROWS})
    return rows


# --- checking and saving ----------------------------------------------------------------------
def _date(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    text = str(value).strip().replace("/", "-").replace(".", "-")
    match = re.match(r"^(\d{4})[-年](\d{1,2})[-月](\d{1,2})日?$", text)
    try:
        if not match:
            raise ValueError
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise AppError(
            "bad_date",
            _("%(field)s “%(value)s” is not a date like 2013-10-01.")
            % {"field": name, "value": str(value)[:30]},
        ) from None


def row_data(*, account: OfficialAccount, row: Row) -> tuple[dict[str, Any], str]:
    """The action's data for a row, and the document number it is a translation of; AppError
    says why the row is rejected."""
    values = row.values
    if "__error__" in values:
        raise AppError("bad_row", str(values["__error__"]))
    unknown = sorted(k for k in values if k not in COLUMNS)
    if unknown:
        raise AppError("bad_row", _("Unknown columns: %(names)s.") % {"names": ", ".join(unknown)})
    title = " ".join(str(values.get("title") or "").split())
    if not title:
        raise AppError("title_missing", _("The title is missing."))
    kind = str(values.get("kind") or Kind.POLICY).strip()
    kind = KIND_WORDS.get(kind, kind.lower())
    validity = str(values.get("validity") or Validity.IN_FORCE).strip()
    validity = VALIDITY_WORDS.get(validity, validity.lower())
    language = str(values.get("language") or account.default_language).strip()
    language = {
        "zh": Language.ZH_HANS,
        "zh-cn": Language.ZH_HANS,
        "zh_cn": Language.ZH_HANS,
        "中文": Language.ZH_HANS,
        "英文": Language.EN,
    }.get(language.lower(), language.lower())
    data: dict[str, Any] = {
        "kind": kind,
        "language": language,
        "title": title,
        "summary": str(values.get("summary") or "")[:300],
        "body": str(values.get("body") or ""),
    }
    if kind == Kind.POLICY:
        data.update(
            {
                "document_number": str(values.get("document_number") or ""),
                "issuer": str(values.get("issuer") or "")[:100],
                "topic": str(values.get("topic") or "")[:50],
                "validity": validity,
                "written_on": _date(values.get("written_on"), "written_on"),
                "issued_on": _date(values.get("issued_on"), "issued_on"),
                "effective_on": _date(values.get("effective_on"), "effective_on"),
            }
        )
    data = clean_item_data(account=account, data=data)
    if kind == Kind.POLICY and not data["body"]:
        raise AppError("empty", _("The full text is missing."))
    return data, str(values.get("translation_of") or "").strip()


def run_import(
    *,
    account: OfficialAccount,
    rows: list[Row],
    actor: Any,
    check_only: bool = False,
    submit: bool = False,
    source: str = "",
    actor_label: str = "",
) -> Report:
    """Import each row whole or reject it with its reason; one audit row sums the run up."""
    report = Report(source=source, check_only=check_only)
    seen: set[tuple[str, str]] = set()
    for row in rows:
        title = str(row.values.get("title") or "")[:80]
        try:
            data, translation_of = row_data(account=account, row=row)
            number = data.get("document_number", "")
            if number:
                if (data["language"], number) in seen:
                    raise AppError(
                        "duplicate",
                        _("The document number %(n)s appears twice in the file.") % {"n": number},
                    )
                seen.add((data["language"], number))
                if Item.objects.filter(
                    account=account, language=data["language"], document_number=number
                ).exists():
                    raise AppError(
                        "duplicate",
                        _("A document numbered %(n)s is already in the library.") % {"n": number},
                    )
            partner = None
            if translation_of:
                from .rules import normalize_document_number

                partner = (
                    Item.objects.filter(
                        account=account, document_number=normalize_document_number(translation_of)
                    )
                    .exclude(language=data["language"])
                    .first()
                )
                if partner is None:
                    raise AppError(
                        "bad_pair",
                        _("No document numbered %(n)s in the other language to pair with.")
                        % {"n": translation_of},
                    )
                if Item.objects.filter(group=partner.group, language=data["language"]).exists():
                    raise AppError(
                        "bad_pair",
                        _("%(n)s already has a version in this language.") % {"n": translation_of},
                    )
            if check_only:
                report.imported.append((row.where, 0, data["title"]))
                continue
            with transaction.atomic():
                item = check_save_item(
                    account=account, actor=actor, data=data, actor_label=actor_label or "import"
                )
                if partner is not None:
                    Item.objects.filter(pk=item.pk).update(group=partner.group)
                if submit:
                    do_submit(item=item, actor=actor)
            report.imported.append((row.where, item.pk, item.title))
        except AppError as error:
            report.rejected.append(Rejection(row.where, title, error.message))
    if not check_only:
        with transaction.atomic():
            do_audit(
                action="content.import",
                actor=actor,
                actor_label=actor_label or ("" if actor else "cli"),
                account=account,
                detail={
                    "source": source[:200],
                    "imported": len(report.imported),
                    "rejected": [
                        {"where": r.where[:100], "reason": r.reason[:200]}
                        for r in report.rejected[:100]
                    ],
                },
            )
    return report
