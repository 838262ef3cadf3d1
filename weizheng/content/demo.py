"""Demo content: policies and news of the police and water accounts, bilingual items of the fair's
two accounts, covers drawn here (no external images). Everything goes through the actions and
三审; one amendment waits for gov_reviewer's first review. Safe to run again."""

from __future__ import annotations

import struct
import zlib
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from weizheng.wechat.models import OfficialAccount

from .actions import (
    check_add_attachment,
    check_add_relation,
    check_approve_item,
    check_save_item,
    check_upload_media,
    do_submit,
)
from .models import Item


def cover_png(
    label: str, color: tuple[int, int, int], *, width: int = 470, height: int = 200
) -> bytes:
    """A cover image (WeChat's 2.35:1): a diagonal gradient of `color` with light stripes whose
    spacing depends on `label`, encoded as PNG with the standard library."""
    seed = sum(label.encode("utf-8")) % 23 + 14
    red, green, blue = color
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")  # filter type: none
        for x in range(width):
            shade = 0.55 + 0.45 * (x + y) / (width + height)
            stripe = 40 if (x * 2 + y) % (seed * 4) < seed else 0
            row += bytes(
                (
                    min(255, int(red * shade) + stripe),
                    min(255, int(green * shade) + stripe),
                    min(255, int(blue * shade) + stripe),
                )
            )
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


POLICE_BLUE = (22, 93, 255)
WATER_BLUE = (0, 150, 199)
EXPO_RED = (200, 40, 40)

# account, author, first reviewer, final reviewer
REVIEWERS = {
    "police": ("police_editor", "gov_reviewer", "police_admin"),
    "water": ("water_editor", "gov_reviewer", "water_admin"),
    # The fair's organising committee: its editor writes, its administrator does the first
    # review, the platform operator the final one (三审 takes three people).
    "expo": ("expo_editor", "expo_admin", "demo"),
    "expo-en": ("expo_editor", "expo_admin", "demo"),
}

POLICIES: dict[str, list[dict[str, Any]]] = {
    "police": [
        {
            "key": "gkyj",
            "title": "国务院办公厅关于进一步加强政府信息公开回应社会关切提升政府公信力的意见",
            "document_number": "国办发〔2013〕100号",
            "issuer": "国务院办公厅",
            "topic": "政务公开",
            "written_on": date(2013, 10, 1),
            "issued_on": date(2013, 10, 15),
            "summary": "围绕进一步加强政府信息公开、回应社会关切、提升政府公信力提出意见。",
            "body": (
                "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：\n\n"
                "推进政府信息公开，回应社会关切，是建设法治政府、服务型政府的重要内容。"
                "为进一步做好政府信息公开工作，增强公开实效，提升政府公信力，经国务院同意，现提出以下意见。\n\n"
                "一、进一步加强制度建设，明确政府信息公开工作的主体和职责。\n\n"
                "二、着力加强政府信息公开平台建设，充分发挥政务微博、微信等新媒体的作用。\n\n"
                "三、建立健全政府信息发布协调机制，及时回应社会关切。"
            ),
        },
        {
            "key": "gjj",
            "title": "平安市住房公积金提取管理办法",
            "document_number": "平政办发〔2023〕18号",
            "issuer": "平安市人民政府办公室",
            "topic": "住房保障",
            "written_on": date(2023, 6, 2),
            "issued_on": date(2023, 6, 9),
            "effective_on": date(2023, 7, 1),
            "summary": "规定购房、租房、退休、离开本市等情形下提取住房公积金的条件、材料和办理时限。",
            "body": (
                "第一条 为规范住房公积金提取管理，维护缴存职工合法权益，根据《住房公积金管理条例》，结合本市实际，制定本办法。\n\n"
                "第二条 缴存职工有下列情形之一的，可以提取本人住房公积金账户内的存储余额：（一）购买、建造、翻建、大修自住住房的；"
                "（二）离休、退休的；（三）偿还购房贷款本息的；（四）房租超出家庭工资收入规定比例的。\n\n"
                "第三条 提取住房公积金，可通过住房公积金管理中心服务大厅、网上服务平台或微信公众号办理，材料齐全的，三个工作日内办结。"
            ),
        },
        {
            "key": "jzz",
            "title": "平安市居住证办理规定",
            "document_number": "平公发〔2024〕7号",
            "issuer": "平安市公安局",
            "topic": "户籍管理",
            "written_on": date(2024, 3, 1),
            "issued_on": date(2024, 3, 5),
            "effective_on": date(2024, 4, 1),
            "summary": "在本市居住半年以上、有合法稳定就业、住所或连续就读的，可以申领居住证。",
            "body": (
                "第一条 为促进新型城镇化，保障公民合法权益，根据国务院《居住证暂行条例》，制定本规定。\n\n"
                "第二条 在本市居住半年以上，符合有合法稳定就业、合法稳定住所、连续就读条件之一的，可以申领居住证。\n\n"
                "第三条 申领居住证，应当向居住地公安派出所或者受公安机关委托的社区服务机构提交本人居民身份证、本人相片以及居住地住址、就业、就读等证明材料。\n\n"
                "第四条 公安机关应当自受理之日起十五日内核发居住证。"
            ),
            "attachment": (
                "居住证申领材料清单.txt",
                "1. 居民身份证原件\n2. 近期免冠相片一张\n3. 居住证明（房屋租赁合同或房产证）\n4. 就业、就读证明之一\n",
            ),
        },
        {
            "key": "jzz-jd",
            "title": "《平安市居住证办理规定》政策解读",
            "issuer": "平安市公安局",
            "topic": "户籍管理",
            "issued_on": date(2024, 3, 6),
            "body": "一、为什么要制定本规定？\n\n为落实《居住证暂行条例》，方便来平人员办理居住证……\n\n二、哪些人可以申领居住证？\n\n在本市居住半年以上，并符合合法稳定就业、住所、就读条件之一的人员。",
            "relation": ("interprets", "jzz"),
        },
        {
            "key": "lspz",
            "title": "平安市机动车临时号牌管理办法",
            "document_number": "平公发〔2015〕6号",
            "issuer": "平安市公安局",
            "topic": "交通管理",
            "issued_on": date(2015, 5, 20),
            "body": "第一条 为加强机动车临时号牌管理，制定本办法。\n\n第二条 本办法适用于本市行政区域内临时号牌的核发和使用。",
        },
        {
            "key": "wfcl",
            "title": "平安市道路交通安全违法行为处理规定",
            "document_number": "平公发〔2024〕3号",
            "issuer": "平安市公安局",
            "topic": "交通管理",
            "issued_on": date(2024, 1, 15),
            "effective_on": date(2024, 2, 1),
            "summary": "交通技术监控记录的违法行为可在交管12123或微信公众号在线处理。",
            "body": (
                "第一条 为规范道路交通安全违法行为处理程序，根据《中华人民共和国道路交通安全法》及公安部《道路交通安全违法行为处理程序规定》，制定本规定。\n\n"
                "第二条 交通技术监控设备记录的违法行为，当事人可以通过交管12123、本局微信公众号或者违法行为发生地的公安机关交通管理部门处理。\n\n"
                "第三条 本规定自2024年2月1日起施行。《平安市机动车临时号牌管理办法》（平公发〔2015〕6号）同时废止。"
            ),
            "relation": ("repeals", "lspz"),
        },
        {
            "key": "ddc",
            "title": "平安市电动自行车管理规定",
            "document_number": "平公发〔2019〕15号",
            "issuer": "平安市公安局",
            "topic": "交通管理",
            "issued_on": date(2019, 4, 1),
            "body": "第一条 为加强电动自行车管理，保障道路交通安全，制定本规定。\n\n第二条 电动自行车应当依法登记，取得号牌后方可上道路行驶。",
        },
        {
            "key": "ddc-xg",
            "title": "关于修改《平安市电动自行车管理规定》的决定",
            "document_number": "平公发〔2024〕11号",
            "issuer": "平安市公安局",
            "topic": "交通管理",
            "issued_on": date(2024, 9, 1),
            "body": "一、将第二条修改为：“电动自行车应当依法登记，取得号牌后方可上道路行驶。驾驶人应当佩戴安全头盔。”\n\n二、本决定自公布之日起施行。",
            "relation": ("amends", "ddc"),
            "awaiting_review": True,
        },
    ],
    "water": [
        {
            "key": "gsyy",
            "title": "平安市城市供水用水管理办法",
            "document_number": "平政发〔2022〕6号",
            "issuer": "平安市人民政府",
            "topic": "供水管理",
            "issued_on": date(2022, 4, 18),
            "effective_on": date(2022, 6, 1),
            "body": "第一条 为加强城市供水用水管理，保障城市生活、生产用水，制定本办法。\n\n第二条 城市供水企业应当保证供水水质符合国家生活饮用水卫生标准。\n\n第三条 用户应当按期交纳水费；逾期未交的，供水企业可以按规定收取违约金。",
        },
        {
            "key": "jtsj",
            "title": "平安市居民生活用水阶梯水价实施细则",
            "document_number": "平发改价〔2023〕41号",
            "issuer": "平安市发展和改革委员会",
            "topic": "水价",
            "issued_on": date(2023, 11, 20),
            "effective_on": date(2024, 1, 1),
            "body": "一、居民生活用水实行三级阶梯水价：第一阶梯年用水量0至180立方米（含），第二阶梯181至260立方米（含），第三阶梯260立方米以上。\n\n二、户籍人口5人（含）以上的家庭，每增加1人，各阶梯水量基数相应增加36立方米。",
        },
    ],
}

NEWS: dict[str, list[dict[str, Any]]] = {
    "police": [
        {
            "title": "交警支队启动夏季道路交通安全宣传月活动",
            "summary": "6月1日至30日，全市开展“安全头盔·一盔一带”主题宣传。",
            "body": "6月1日，平安市公安局交警支队在市民广场启动夏季道路交通安全宣传月活动。\n\n活动期间，民警将走进社区、学校和企业，宣讲电动自行车安全头盔佩戴和安全带使用常识。",
            "color": POLICE_BLUE,
        },
        {
            "title": "出入境办证大厅周六延长服务时间",
            "summary": "暑期每周六9:00至17:00正常受理出入境证件申请。",
            "body": "为满足暑期出行需求，市出入境办证大厅自7月起每周六延长服务时间至17:00。\n\n市民可通过本公众号“服务事项”预约办理，现场取号需携带居民身份证。",
            "color": (60, 120, 220),
        },
    ],
    "water": [
        {
            "title": "关于3月12日部分区域计划停水的通知",
            "summary": "因管网改造，3月12日8:00至20:00东城区部分区域停水。",
            "body": "因供水管网改造施工，3月12日（星期四）8:00至20:00，东城区人民路以东、建设路以北区域将暂停供水。\n\n请用户提前做好储水准备。如有疑问，请拨打供水服务热线。",
            "color": WATER_BLUE,
        },
        {
            "title": "平安水务集团开展“世界水日”节水宣传活动",
            "summary": "3月22日，集团在多个社区开展节水知识宣传。",
            "body": "3月22日是第三十二届“世界水日”。平安水务集团组织志愿者走进社区，开展节水器具展示和漏损检测服务。",
            "color": (0, 120, 160),
        },
    ],
}

# (zh, en) pairs of the fair's accounts; None: that version is missing (the fallback shows).
BILINGUAL: dict[str, list[dict[str, Any]]] = {
    "expo": [
        {
            "kind": "policy",
            "topic": "参展服务",
            "issuer": "投洽会组委会",
            "zh-hans": (
                "中国（平安）国际投资贸易洽谈会参展商服务指南",
                "一、展位搭建：标准展位由组委会统一搭建，特装展位须于开幕前三日报审。\n\n二、证件办理：参展商证件可在线申请，现场凭身份证领取。",
            ),
            "en": (
                "Exhibitor Service Guide of the Ping'an International Investment Fair",
                "1. Stands: standard stands are built by the organisers; custom stands must be approved three days before the opening.\n\n2. Badges: apply online and collect them on site with your passport.",
            ),
        },
        {
            "kind": "news",
            "zh-hans": (
                "第二十届投洽会今日开幕",
                "来自60多个国家和地区的客商参会，首日签约项目42个。",
            ),
            "en": (
                "The 20th Investment Fair opens today",
                "Delegates from more than 60 countries and regions attend; 42 projects were signed on the first day.",
            ),
            "color": EXPO_RED,
        },
        {
            "kind": "policy",
            "topic": "投资指南",
            "issuer": "平安市商务局",
            "zh-hans": (
                "外商投资项目备案办事指南",
                "外商投资项目实行备案管理的，投资者应通过在线平台提交项目基本情况……",
            ),
            "en": None,
        },
    ],
    "expo-en": [
        {
            "kind": "policy",
            "topic": "Visas and entry",
            "issuer": "Ping'an Investment Fair Organising Committee",
            "en": (
                "Visa and Entry Guide for Fair Delegates",
                "Delegates from countries with visa-free entry may stay up to 30 days. Others apply for an M visa with the fair's invitation letter.",
            ),
            "zh-hans": (
                "参会代表签证及入境指南",
                "免签国家代表可停留30天；其他国家代表凭投洽会邀请函申请M字签证。",
            ),
        },
        {
            "kind": "news",
            "en": (
                "Hall map and shuttle bus timetable",
                "Shuttle buses run every 15 minutes between the airport, the main hotels and Hall 1 from 7:30 to 19:00.",
            ),
            "zh-hans": None,
            "color": (180, 30, 60),
        },
    ],
}


def _users() -> dict[str, Any]:
    return {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in={n for r in REVIEWERS.values() for n in r}
        )
    }


def _through_review(
    item: Item, people: tuple[Any, Any, Any], *, stop_before_review: bool = False
) -> Item:
    author, first, final = people
    do_submit(item=item, actor=author or first)
    if stop_before_review:
        return item
    check_approve_item(item=item, actor=first)
    return check_approve_item(item=item, actor=final)


def _cover(account: OfficialAccount, title: str, color: tuple[int, int, int]) -> Any:
    return check_upload_media(
        account=account,
        kind="image",
        filename=f"cover-{abs(hash(title)) % 100000}.png",
        content=cover_png(title, color),
        actor=None,
        actor_label="demo",
    )


def load_demo() -> None:
    """Policies and news for the demo accounts (skipped for an account that has content)."""
    users = _users()
    for slug, (author, first, final) in REVIEWERS.items():
        account = OfficialAccount.objects.filter(slug=slug).first()
        if account is None or Item.objects.filter(account=account).exists():
            continue
        if not all(name in users for name in (author, first, final) if name):
            continue
        people = (users.get(author), users[first], users[final])
        with transaction.atomic():
            _load_account(account, people)


def _load_account(account: OfficialAccount, people: tuple[Any, Any, Any]) -> None:
    author = people[0]
    made: dict[str, Item] = {}
    for spec in POLICIES.get(account.slug, []):
        fields = {
            k: v
            for k, v in spec.items()
            if k not in ("key", "relation", "attachment", "awaiting_review")
        }
        item = check_save_item(account=account, actor=author, data={"kind": "policy", **fields})
        made[spec["key"]] = item
        if "attachment" in spec:
            name, text = spec["attachment"]
            check_add_attachment(
                item=item, filename=name, content=text.encode("utf-8"), actor=author
            )
        if "relation" in spec:
            kind, target = spec["relation"]
            check_add_relation(source=item, target=made[target], kind=kind, actor=author)
        _through_review(item, people, stop_before_review=spec.get("awaiting_review", False))
    for spec in NEWS.get(account.slug, []):
        cover = _cover(account, spec["title"], spec["color"])
        item = check_save_item(
            account=account,
            actor=author,
            data={
                "kind": "news",
                "title": spec["title"],
                "summary": spec["summary"],
                "body": spec["body"],
                "cover": cover,
            },
        )
        _through_review(item, people)
    for spec in BILINGUAL.get(account.slug, []):
        group_item = None
        for language in (
            account.default_language,
            "en" if account.default_language != "en" else "zh-hans",
        ):
            version = spec.get(language)
            if version is None:
                continue
            title, body = version
            data: dict[str, Any] = {
                "kind": spec["kind"],
                "language": language,
                "title": title,
                "body": body,
            }
            if spec["kind"] == "policy":
                data.update({"issuer": spec["issuer"], "topic": spec["topic"]})
            elif "color" in spec:
                data["cover"] = _cover(account, title, spec["color"])
            item = check_save_item(account=account, actor=author, data=data)
            if group_item is None:
                group_item = item
            else:
                Item.objects.filter(pk=item.pk).update(group=group_item.group)
            _through_review(item, people)
