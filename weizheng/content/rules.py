"""Rules a document or a media file must meet, with the exact rule broken in the refusal. Pure
functions (no database): the actions, the import and the media library call them.

发文字号 follows GB/T 9704-2012 (党政机关公文格式) §7.2.4: 机关代字 + 年份 in 六角括号 + 发文顺序号 +
号, e.g. 国办发〔2013〕100号. The year is written in full, the sequence number has no leading zeros
(不编虚位) and no 第. Square or round brackets — [2013], ［2013］, (2013), （2013）, 【2013】 — are
common in files typed on keyboards without 〔〕: they are accepted and stored as 〔〕.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from weizheng.core.errors import AppError

BRACKETS = {
    "[": "〔",
    "［": "〔",
    "(": "〔",
    "（": "〔",
    "【": "〔",
    "]": "〕",
    "］": "〕",
    ")": "〕",
    "）": "〕",
    "】": "〕",
}
DOCUMENT_NUMBER = re.compile(
    r"^(?P<code>[\u4e00-\u9fff]{1,16})〔(?P<year>\d{4})〕(?P<sequence>[1-9]\d{0,4})号$"
)


def normalize_document_number(value: str) -> str:
    """The document number in its standard form, or AppError("bad_document_number") saying what
    is wrong. An empty value stays empty (a document without a number)."""
    value = re.sub(r"\s+", "", value or "")
    if not value:
        return ""
    normalized = "".join(BRACKETS.get(ch, ch) for ch in value)
    match = DOCUMENT_NUMBER.match(normalized)
    if match is None:
        if "〔" not in normalized or "〕" not in normalized:
            reason = _("the year must be in brackets, as in 国办发〔2013〕100号")
        elif not normalized.endswith("号"):
            reason = _("it must end with 号")
        elif "第" in normalized:
            reason = _("the sequence number takes no 第")
        elif re.search(r"〕0", normalized):
            reason = _("the sequence number has no leading zeros")
        elif not re.match(r"^[\u4e00-\u9fff]+〔", normalized):
            reason = _("it must start with the issuer's code in Chinese, such as 国办发")
        elif not re.search(r"〔\d{4}〕", normalized):
            reason = _("the year must have four digits")
        else:
            reason = _("it must look like 国办发〔2013〕100号")
        raise AppError(
            "bad_document_number",
            _("The document number “%(value)s” is malformed: %(reason)s.")
            % {"value": value[:64], "reason": reason},
        )
    year = int(match["year"])
    if not 1949 <= year <= date.today().year + 1:  # noqa: DTZ011 - a calendar year, any zone
        raise AppError(
            "bad_document_number",
            _("The document number “%(value)s” is malformed: the year %(year)s is not plausible.")
            % {"value": value[:64], "year": year},
        )
    return normalized


# --- WeChat's media limits (material/add_material and media/upload) -----------------------------
@dataclass(frozen=True)
class MediaRule:
    max_bytes: int
    extensions: tuple[str, ...]
    max_seconds: int | None = None


MEDIA_RULES: dict[str, MediaRule] = {
    "image": MediaRule(10 * 1024 * 1024, ("jpg", "jpeg", "png", "gif", "bmp")),
    "voice": MediaRule(2 * 1024 * 1024, ("mp3", "amr"), max_seconds=60),
    "video": MediaRule(10 * 1024 * 1024, ("mp4",)),
    "thumb": MediaRule(64 * 1024, ("jpg", "jpeg")),
}
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "bmp": (b"BM",),
    "amr": (b"#!AMR\n",),
}
CONTENT_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "bmp": "image/bmp",
    "mp3": "audio/mpeg",
    "amr": "audio/amr",
    "mp4": "video/mp4",
}


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


@dataclass(frozen=True)
class CheckedMedia:
    extension: str
    content_type: str
    duration_seconds: float | None


def check_media(*, kind: str, filename: str, content: bytes) -> CheckedMedia:
    """Check a file against WeChat's limits for `kind`; AppError("media_refused") names the rule."""
    rule = MEDIA_RULES.get(kind)
    if rule is None:
        raise AppError("media_refused", _("Unknown media type."))
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in rule.extensions:
        raise AppError(
            "media_refused",
            _("WeChat accepts %(kind)s files only as %(formats)s; “%(name)s” is not one.")
            % {"kind": kind, "formats": ", ".join(rule.extensions), "name": filename[:100]},
        )
    if not content:
        raise AppError("media_refused", _("The file is empty."))
    if len(content) > rule.max_bytes:
        raise AppError(
            "media_refused",
            _("WeChat accepts %(kind)s files up to %(limit)s; this one is %(size)s.")
            % {"kind": kind, "limit": _megabytes(rule.max_bytes), "size": _megabytes(len(content))},
        )
    if not _format_matches(extension, content):
        raise AppError(
            "media_refused",
            _("The file “%(name)s” is not really a %(format)s file.")
            % {"name": filename[:100], "format": extension.upper()},
        )
    duration = None
    if rule.max_seconds is not None:
        duration = audio_duration(extension, content)
        if duration is None:
            raise AppError(
                "media_refused",
                _(
                    "The length of “%(name)s” cannot be read; WeChat needs voice of %(limit)s seconds or less."
                )
                % {"name": filename[:100], "limit": rule.max_seconds},
            )
        if duration > rule.max_seconds:
            raise AppError(
                "media_refused",
                _(
                    "WeChat accepts voice up to %(limit)s seconds; this one lasts %(seconds)s seconds."
                )
                % {"limit": rule.max_seconds, "seconds": round(duration)},
            )
    return CheckedMedia(extension, CONTENT_TYPES[extension], duration)


def _format_matches(extension: str, content: bytes) -> bool:
    if extension in SIGNATURES:
        return content.startswith(SIGNATURES[extension])
    if extension == "mp4":
        return content[4:8] == b"ftyp"
    if extension == "mp3":
        return content.startswith(b"ID3") or (
            len(content) > 1 and content[0] == 0xFF and content[1] & 0xE0 == 0xE0
        )
    return False


# AMR-NB: one 20 ms frame per header byte, its size set by the frame type (bits 3–6).
AMR_FRAME_BYTES = [13, 14, 16, 18, 20, 21, 27, 32, 6, 1, 1, 1, 1, 1, 1, 1]
MP3_BITRATES = {  # kbit/s by (MPEG version 1?, layer III) index
    True: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
    False: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
}
MP3_RATES = {3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000]}


def audio_duration(extension: str, content: bytes) -> float | None:
    """Seconds of an AMR-NB or MP3 (layer III) file, by walking its frames; None if unreadable."""
    if extension == "amr":
        position, frames = 6, 0
        while position < len(content):
            frame_type = (content[position] >> 3) & 0x0F
            position += AMR_FRAME_BYTES[frame_type]
            frames += 1
        return frames * 0.02
    if extension == "mp3":
        position = 0
        if content.startswith(b"ID3") and len(content) >= 10:
            size = 0
            for byte in content[6:10]:
                size = (size << 7) | (byte & 0x7F)
            position = 10 + size
        seconds, frames = 0.0, 0
        while position + 4 <= len(content):
            (header,) = struct.unpack(">I", content[position : position + 4])
            if header & 0xFFE00000 != 0xFFE00000:
                if frames:
                    break  # trailing tags (ID3v1, APE)
                position += 1
                continue
            version = (header >> 19) & 0x3
            layer = (header >> 17) & 0x3
            bitrate_index = (header >> 12) & 0xF
            rate_index = (header >> 10) & 0x3
            padding = (header >> 9) & 0x1
            if version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
                if frames:
                    break
                position += 1
                continue
            is_v1 = version == 3
            bitrate = MP3_BITRATES[is_v1][bitrate_index] * 1000
            rate = MP3_RATES[version][rate_index]
            samples = 1152 if is_v1 else 576
            length = samples // 8 * bitrate // rate + padding
            if length <= 0:
                break
            seconds += samples / rate
            frames += 1
            position += length
        return seconds if frames else None
    return None


# --- attachments -------------------------------------------------------------------------------
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
ATTACHMENT_EXTENSIONS = (
    "pdf",
    "ofd",
    "doc",
    "docx",
    "wps",
    "xls",
    "xlsx",
    "et",
    "txt",
    "zip",
    "jpg",
    "jpeg",
    "png",
)


def check_attachment(*, filename: str, size: int) -> str:
    """The attachment's extension, or AppError("attachment_refused") with the rule broken."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in ATTACHMENT_EXTENSIONS:
        raise AppError(
            "attachment_refused",
            _("Attachments may be %(formats)s files; “%(name)s” is not one.")
            % {"formats": ", ".join(ATTACHMENT_EXTENSIONS), "name": filename[:100]},
        )
    if size > ATTACHMENT_MAX_BYTES:
        raise AppError(
            "attachment_refused",
            _("An attachment may be up to %(limit)s; this one is %(size)s.")
            % {"limit": _megabytes(ATTACHMENT_MAX_BYTES), "size": _megabytes(size)},
        )
    if size == 0:
        raise AppError("attachment_refused", _("The file is empty."))
    return extension
