"""Handlers declared inline run in the request thread; any other matching handler sends the
message through the thread pool that enforces the time budget."""

import threading

import pytest
from django.test import Client

from weizheng.wechat.protocol.replies import TextReply
from weizheng.wechat.testing import post_to_callback, text_xml

pytestmark = pytest.mark.django_db(transaction=True)


def test_inline_handlers_run_in_the_request_thread(plain_account, clean_router):
    seen = []

    @clean_router.on("text", inline=True)
    def quick(ctx):
        seen.append(threading.current_thread().name)
        return TextReply(content="快")

    post_to_callback(
        Client(), plain_account, text_xml(plain_account, "oINLINE00000000000000000000001", "x")
    )
    assert seen and not seen[0].startswith("wx-handler")


def test_one_non_inline_handler_sends_the_message_to_the_pool(plain_account, clean_router):
    seen = []

    @clean_router.observe("text")
    def records(ctx):
        seen.append(threading.current_thread().name)

    @clean_router.on("text", inline=True)
    def quick(ctx):
        return TextReply(content="快")

    post_to_callback(
        Client(), plain_account, text_xml(plain_account, "oINLINE00000000000000000000002", "x")
    )
    assert seen and seen[0].startswith("wx-handler")
