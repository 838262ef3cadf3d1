"""WeChat's global return codes, as the mock answers them.

Messages are WeChat's own English errmsg strings where they are known. Where the public docs do not
say which code WeChat uses for a refusal, the choice is noted beside the code (see README.md in
this app for the full list of choices).
"""

from __future__ import annotations

import secrets
from typing import Any

OK = 0
SYSTEM_BUSY = -1
INVALID_CREDENTIAL = 40001
INVALID_GRANT_TYPE = 40002
INVALID_OPENID = 40003
INVALID_MEDIA_TYPE = 40004
INVALID_FILE_TYPE = 40005
INVALID_MEDIA_ID = 40007
INVALID_MESSAGE_TYPE = 40008
INVALID_IMAGE_SIZE = 40009
INVALID_VOICE_SIZE = 40010
INVALID_VIDEO_SIZE = 40011
INVALID_THUMB_SIZE = 40012
INVALID_APPID = 40013
INVALID_ACCESS_TOKEN = 40014
INVALID_BUTTON_SIZE = 40016
INVALID_BUTTON_TYPE = 40017
INVALID_BUTTON_NAME_SIZE = 40018
INVALID_BUTTON_KEY_SIZE = 40019
INVALID_BUTTON_URL_SIZE = 40020
INVALID_SUB_MENU_LEVEL = 40022
INVALID_SUB_BUTTON_SIZE = 40023
INVALID_SUB_BUTTON_TYPE = 40024
INVALID_SUB_BUTTON_NAME_SIZE = 40025
INVALID_SUB_BUTTON_KEY_SIZE = 40026
INVALID_SUB_BUTTON_URL_SIZE = 40027
INVALID_CODE = 40029
INVALID_REFRESH_TOKEN = 40030
INVALID_OPENID_LIST_SIZE = 40032
INVALID_ARGS = 40035
INVALID_TEMPLATE_ID = 40037
INVALID_GROUP_ID = 40050
INVALID_ACTION_NAME = 40052
INVALID_ACTION_INFO = 40053
INVALID_SUB_BUTTON_URL_DOMAIN = 40054
INVALID_BUTTON_URL_DOMAIN = 40055
INVALID_ARGS_97 = 40097
INVALID_APPSECRET = 40125
OPENID_LIST_TOO_SHORT = 40130
INVALID_USERNAME = 40132
CODE_BEEN_USED = 40163
ACCESS_TOKEN_MISSING = 41001
APPID_MISSING = 41002
REFRESH_TOKEN_MISSING = 41003
APPSECRET_MISSING = 41004
MEDIA_DATA_MISSING = 41005
MEDIA_ID_MISSING = 41006
CODE_MISSING = 41008
OPENID_MISSING = 41009
ACCESS_TOKEN_EXPIRED = 42001
REFRESH_TOKEN_EXPIRED = 42002
CODE_EXPIRED = 42003
REQUIRE_GET = 43001
REQUIRE_POST = 43002
REQUIRE_SUBSCRIBE = 43004
EMPTY_MEDIA_DATA = 44001
EMPTY_POST_DATA = 44002
EMPTY_NEWS_DATA = 44003
EMPTY_CONTENT = 44004
MEDIA_SIZE_OUT_OF_LIMIT = 45001  # also: a permanent material beyond the account's limit
CONTENT_SIZE_OUT_OF_LIMIT = 45002
TITLE_SIZE_OUT_OF_LIMIT = 45003
DESCRIPTION_SIZE_OUT_OF_LIMIT = 45004
ARTICLE_SIZE_OUT_OF_LIMIT = 45008
QUOTA_EXHAUSTED = 45009
RESPONSE_OUT_OF_TIME_LIMIT = 45015
CUSTOM_SEND_OVER_LIMIT = 45047
TOO_MANY_TAGS = 45056
RESERVED_TAG = 45058
USER_HAS_TOO_MANY_TAGS = 45059
CLIENTMSGID_EXISTS = 45065
CLIENTMSGID_TOO_LONG = 45067
TAG_NAME_EXISTS = 45157
TAG_NAME_TOO_LONG = 45158
INVALID_TAG_ID = 45159
MENU_NO_EXIST = 46003
USER_NO_EXIST = 46004
DATA_FORMAT_ERROR = 47001
API_UNAUTHORIZED = 48001
OPENID_NOT_OF_APPID = 49003
NO_SUCH_CONDITIONAL_MENU = 65301
NO_SUCH_USER = 65302
NO_DEFAULT_MENU = 65303
MATCHRULE_EMPTY = 65304
COUNTRY_REQUIRED = 65310
PROVINCE_REQUIRED = 65311

ERRMSG: dict[int, str] = {
    SYSTEM_BUSY: "system error",
    OK: "ok",
    INVALID_CREDENTIAL: "invalid credential, access_token is invalid or not latest",
    INVALID_GRANT_TYPE: "invalid grant_type",
    INVALID_OPENID: "invalid openid",
    INVALID_MEDIA_TYPE: "invalid media type",
    INVALID_FILE_TYPE: "invalid file type",
    INVALID_MEDIA_ID: "invalid media_id",
    INVALID_MESSAGE_TYPE: "invalid message type",
    INVALID_IMAGE_SIZE: "invalid image size",
    INVALID_VOICE_SIZE: "invalid voice size",
    INVALID_VIDEO_SIZE: "invalid video size",
    INVALID_THUMB_SIZE: "invalid thumb size",
    INVALID_APPID: "invalid appid",
    INVALID_ACCESS_TOKEN: "invalid access_token",
    INVALID_BUTTON_SIZE: "invalid button size",
    INVALID_BUTTON_TYPE: "invalid button type",
    INVALID_BUTTON_NAME_SIZE: "invalid button name size",
    INVALID_BUTTON_KEY_SIZE: "invalid button key size",
    INVALID_BUTTON_URL_SIZE: "invalid button url size",
    INVALID_SUB_MENU_LEVEL: "invalid sub_menu level",
    INVALID_SUB_BUTTON_SIZE: "invalid sub button size",
    INVALID_SUB_BUTTON_TYPE: "invalid sub button type",
    INVALID_SUB_BUTTON_NAME_SIZE: "invalid sub button name size",
    INVALID_SUB_BUTTON_KEY_SIZE: "invalid sub button key size",
    INVALID_SUB_BUTTON_URL_SIZE: "invalid sub button url size",
    INVALID_CODE: "invalid code",
    INVALID_REFRESH_TOKEN: "invalid refresh_token",
    INVALID_OPENID_LIST_SIZE: "invalid openid list size",
    INVALID_ARGS: "invalid args",
    INVALID_TEMPLATE_ID: "invalid template_id",
    INVALID_GROUP_ID: "invalid group id",
    INVALID_ACTION_NAME: "invalid action name",
    INVALID_ACTION_INFO: "invalid action info",
    INVALID_SUB_BUTTON_URL_DOMAIN: "invalid sub button url domain",
    INVALID_BUTTON_URL_DOMAIN: "invalid button url domain",
    INVALID_ARGS_97: "invalid args",
    INVALID_APPSECRET: "invalid appsecret",
    OPENID_LIST_TOO_SHORT: "invalid openid list size, at least two openid",
    INVALID_USERNAME: "invalid username",
    CODE_BEEN_USED: "code been used",
    ACCESS_TOKEN_MISSING: "access_token missing",
    APPID_MISSING: "appid missing",
    REFRESH_TOKEN_MISSING: "refresh_token missing",
    APPSECRET_MISSING: "appsecret missing",
    MEDIA_DATA_MISSING: "media data missing",
    MEDIA_ID_MISSING: "media_id missing",
    CODE_MISSING: "missing code",
    OPENID_MISSING: "openid missing",
    ACCESS_TOKEN_EXPIRED: "access_token expired",
    REFRESH_TOKEN_EXPIRED: "refresh_token expired",
    CODE_EXPIRED: "code expired",
    REQUIRE_GET: "require GET method",
    REQUIRE_POST: "require POST method",
    REQUIRE_SUBSCRIBE: "require subscribe",
    EMPTY_MEDIA_DATA: "empty media data",
    EMPTY_POST_DATA: "empty post data",
    EMPTY_NEWS_DATA: "empty news data",
    EMPTY_CONTENT: "empty content",
    MEDIA_SIZE_OUT_OF_LIMIT: "media size out of limit",
    CONTENT_SIZE_OUT_OF_LIMIT: "content size out of limit",
    TITLE_SIZE_OUT_OF_LIMIT: "title size out of limit",
    DESCRIPTION_SIZE_OUT_OF_LIMIT: "description size out of limit",
    ARTICLE_SIZE_OUT_OF_LIMIT: "article size out of limit",
    QUOTA_EXHAUSTED: "reach max api daily quota limit",
    RESPONSE_OUT_OF_TIME_LIMIT: "response out of time limit or subscription is canceled",
    CUSTOM_SEND_OVER_LIMIT: "out of response count limit",
    TOO_MANY_TAGS: "too many tags",
    RESERVED_TAG: "can't modify sys tag",
    USER_HAS_TOO_MANY_TAGS: "user has too many tags",
    CLIENTMSGID_EXISTS: "clientmsgid exist",
    CLIENTMSGID_TOO_LONG: "clientmsgid size out of limit",
    TAG_NAME_EXISTS: "tag name already exists",
    TAG_NAME_TOO_LONG: "invalid tag name size",
    INVALID_TAG_ID: "invalid tag id",
    MENU_NO_EXIST: "menu no exist",
    USER_NO_EXIST: "user no exist",
    DATA_FORMAT_ERROR: "data format error",
    API_UNAUTHORIZED: "api unauthorized",
    OPENID_NOT_OF_APPID: "openid not belong to appid",
    NO_SUCH_CONDITIONAL_MENU: "no such menuid",
    NO_SUCH_USER: "no such user",
    NO_DEFAULT_MENU: "there is no selfmenu, please create selfmenu first",
    MATCHRULE_EMPTY: "match rule empty",
    COUNTRY_REQUIRED: "country required",
    PROVINCE_REQUIRED: "province required",
}


def request_id() -> str:
    """The `rid` WeChat appends to every error message (three groups of 8 hex digits)."""
    return "-".join(secrets.token_hex(4) for _ in range(3))


def errmsg_for(errcode: int) -> str:
    return ERRMSG.get(errcode, "system error")


class WeChatError(Exception):
    """A refusal answered as `{"errcode": N, "errmsg": "... rid: ..."}` plus any extra fields."""

    def __init__(self, errcode: int, errmsg: str | None = None, **extra: Any):
        self.errcode = errcode
        self.errmsg = errmsg or errmsg_for(errcode)
        self.extra = extra
        super().__init__(f"{errcode} {self.errmsg}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "errcode": self.errcode,
            "errmsg": f"{self.errmsg} rid: {request_id()}",
            **self.extra,
        }
