"""A fake Telegram Bot API server on 127.0.0.1 for tests that drive the real python-telegram-bot client.

Point PTB at it with ``base_url`` (``Bot(tg.token, base_url=tg.base_url)`` or
``ApplicationBuilder().token(tg.token).base_url(tg.base_url)``); PTB appends the token and
``/methodName``. The server answers like Telegram does (the same JSON envelopes, status codes and
error descriptions), records every call, lets a test inject updates from users (commands, button
presses, channel posts) and injects faults (429 flood waits, 403 blocked users, latency).

Parameters arrive as ``application/x-www-form-urlencoded`` or ``multipart/form-data`` (sendPhoto
with a file) where PTB sends strings as they are and every other value JSON-encoded (ints,
booleans, reply_markup, commands, link_preview_options); recorded params are decoded back, so
``chat_id`` is an int and ``reply_markup`` a dict. Uploaded files are recorded as `UploadedFile`.

Behaviour worth knowing in tests:

* getUpdates follows the real offset rule: it returns updates with ``update_id >= offset`` and
  forgets those below it (PTB sends ``last_update_id + 1``). The long-poll ``timeout`` is capped at
  `FakeTelegram.max_poll_wait` seconds (1 s) so stopping an Updater is quick.
* ``parse_mode="HTML"`` text is checked like Telegram checks it: unsupported tags, unbalanced tags
  or a bare ``<`` answer 400 "Bad Request: can't parse entities: ..." (set ``validate_html = False``
  to turn that off); the returned Message has the plain text and entities, as Telegram's does.
  Empty or over-long text (4096, captions 1024) and callback_data over 64 bytes answer 400 too.
* editMessageText with the same text and markup answers 400 "message is not modified", and an
  unknown callback_query_id answers 400, as on Telegram.
* `wait_for` blocks the calling thread; inside a coroutine running a PTB Application use
  `wait_for_async`, or the application (same event loop) never gets to run.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

BOT_ID = 123456
BOT_USERNAME = "dwatch_test_bot"
BOT_FIRST_NAME = "Displacement Watch Test"
DEFAULT_TOKEN = f"{BOT_ID}:TEST-TOKEN"
GROUP_USER_ID = 4242  # who speaks in a group when the test names no user

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64

# Params PTB sends as plain strings that may look like JSON ("123", "true") and must stay strings.
_STRING_PARAMS = frozenset({
    "text", "caption", "parse_mode", "callback_query_id", "inline_message_id", "data", "url", "title",
    "description", "short_description", "name", "query", "language_code", "photo", "document", "audio",
    "video", "voice", "animation", "sticker", "thumbnail", "file_id", "emoji", "custom_emoji_id",
    "secret_token", "ip_address", "action", "message_effect_id", "business_connection_id", "first_name",
    "last_name", "username", "phone_number", "vcard", "address", "question", "switch_pm_text",
    "switch_pm_parameter",
})

_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{1,64})?")

_SEND_METHODS = ("sendMessage", "sendPhoto")
_EDIT_METHODS = ("editMessageText", "editMessageCaption", "editMessageReplyMarkup")


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request (e.g. the photo of sendPhoto)."""

    filename: str | None
    content_type: str | None
    data: bytes

    def __repr__(self) -> str:
        return f"UploadedFile(filename={self.filename!r}, content_type={self.content_type!r}, {len(self.data)} bytes)"


class ApiError(Exception):
    """Answer the current request with ``{"ok": false, ...}``."""

    def __init__(self, status: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def _error_for(status: int, retry_after: int, description: str | None = None) -> ApiError:
    if status == 429:
        return ApiError(429, description or f"Too Many Requests: retry after {retry_after}",
                        {"retry_after": retry_after})
    defaults = {
        400: "Bad Request: chat not found",
        401: "Unauthorized",
        403: "Forbidden: bot was blocked by the user",
        404: "Not Found",
        409: "Conflict: terminated by other getUpdates request",
        500: "Internal Server Error",
        502: "Bad Gateway",
    }
    return ApiError(status, description or defaults.get(status, f"Error {status}"))


@dataclass
class _FailRule:
    chat_id: int | str | None
    status: int
    retry_after: int
    remaining: int
    method: str
    description: str | None


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _decode_value(key: str, value: str) -> Any:
    if key in _STRING_PARAMS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _decode_params(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    return {key: (_decode_value(key, value) if isinstance(value, str) else value) for key, value in pairs}


def _parse_multipart(body: bytes, content_type: str) -> list[tuple[str, Any]]:
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise ApiError(400, "Bad Request: multipart boundary missing")
    delimiter = b"--" + match.group(1).encode("latin-1")
    pairs: list[tuple[str, Any]] = []
    for part in body.split(delimiter)[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, sep, val = line.partition(":")
            if sep:
                headers[name.strip().lower()] = val.strip()
        disposition = headers.get("content-disposition", "")
        name_match = re.search(r'(?<![a-z*])name="([^"]*)"', disposition)
        if not name_match:
            continue
        file_match = re.search(r'filename="([^"]*)"', disposition)
        if file_match is not None or "content-type" in headers:
            pairs.append((name_match.group(1), UploadedFile(file_match.group(1) if file_match else None,
                                                            headers.get("content-type"), content)))
        else:
            pairs.append((name_match.group(1), content.decode("utf-8")))
    return pairs


# -- HTML parse mode, as Telegram understands it ------------------------------------------------------

_TAG_RE = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[A-Za-z_-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*/?>"
)
_ATTR_RE = re.compile(r"([A-Za-z_-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+)))?")
_ENTITY_RE = re.compile(r"&(lt|gt|amp|quot|#\d{1,7}|#[xX][0-9A-Fa-f]{1,6});")
_SIMPLE_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough", "code": "code", "pre": "pre",
    "tg-spoiler": "spoiler", "blockquote": "blockquote", "a": "text_link", "span": "spoiler",
    "tg-emoji": "custom_emoji",
}


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's HTML parse mode: returns (plain text, entities) or raises ApiError 400."""

    def fail(reason: str) -> ApiError:
        return ApiError(400, f"Bad Request: can't parse entities: {reason}")

    def byte_offset(pos: int) -> int:
        return len(text[:pos].encode("utf-8"))

    out: list[str] = []
    out_len = 0  # UTF-16 units emitted so far
    entities: list[dict[str, Any]] = []
    stack: list[tuple[str, dict[str, Any] | None]] = []  # (tag, entity being built)
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char == "<":
            tag = _TAG_RE.match(text, pos)
            if tag is None:
                raise fail(f"Unclosed start tag at byte offset {byte_offset(pos)}")
            closing, name = tag.group(1) == "/", tag.group(2).lower()
            if closing:
                if not stack or stack[-1][0] != name:
                    expected = f'"</{stack[-1][0]}>"' if stack else "nothing"
                    raise fail(f'Unmatched end tag at byte offset {byte_offset(pos)}, expected {expected}, '
                               f'found "</{name}>"')
                _, entity = stack.pop()
                if entity is not None:
                    entity["length"] = out_len - entity["offset"]
                    if entity["length"] > 0:
                        entities.append(entity)
            else:
                if name not in _SIMPLE_TAGS:
                    raise fail(f'Unsupported start tag "{name}" at byte offset {byte_offset(pos)}')
                attrs = {m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
                         for m in _ATTR_RE.finditer(tag.group(3))}
                entity: dict[str, Any] = {"type": _SIMPLE_TAGS[name], "offset": out_len}
                emit = True
                if name == "a":
                    entity["url"] = attrs.get("href", "")
                elif name == "span" and attrs.get("class") != "tg-spoiler":
                    raise fail(f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(pos)}')
                elif name == "blockquote" and "expandable" in attrs:
                    entity["type"] = "expandable_blockquote"
                elif name == "tg-emoji":
                    entity["custom_emoji_id"] = attrs.get("emoji-id", "")
                elif name == "code" and stack and stack[-1][0] == "pre" and (pre := stack[-1][1]) is not None:
                    language = attrs.get("class", "")
                    if language.startswith("language-"):
                        pre["language"] = language.removeprefix("language-")
                        emit = False
                stack.append((name, entity if emit else None))
            pos = tag.end()
            continue
        if char == "&":
            ent = _ENTITY_RE.match(text, pos)
            if ent is not None:
                char = html.unescape(ent.group(0))
                pos = ent.end()
            else:
                pos += 1
        else:
            pos += 1
        out.append(char)
        out_len += _utf16_len(char)
    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


# -- the server ------------------------------------------------------------------------------------------


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128  # PTB may open many pooled connections at once


class FakeTelegram:
    """A fake Bot API on an ephemeral 127.0.0.1 port, serving from a background thread."""

    max_poll_wait = 1.0  # cap on getUpdates' long-poll timeout, seconds

    def __init__(self, token: str = DEFAULT_TOKEN) -> None:
        self.token = token
        self.latency = 0.0  # seconds each sendMessage sleeps before answering
        self.validate_html = True
        self._lock = threading.RLock()
        self._updates_cv = threading.Condition(self._lock)
        self._calls: list[tuple[str, dict[str, Any]]] = []
        self._delivered: list[tuple[str, dict[str, Any]]] = []  # (method, params + message_id)
        self._failed: list[tuple[str, dict[str, Any], int]] = []
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._open_callbacks: set[str] = set()
        self._message_ids: dict[int | str, int] = {}
        self._messages: dict[tuple[int | str, int], dict[str, Any]] = {}
        self._chats: dict[int | str, dict[str, Any]] = {}
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._last_commands: list[dict[str, Any]] | None = None
        self._fail_rules: list[_FailRule] = []
        self._blocked: set[int | str] = set()
        self._webhook_url = ""
        self._closing = threading.Event()
        self._connections: set[socket.socket] = set()
        self._handlers: dict[str, Callable[[dict[str, Any]], Any]] = {
            "getMe": lambda _p: self.bot_user(full=True),
            "deleteWebhook": self._delete_webhook,
            "setWebhook": self._set_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "getUpdates": self._get_updates,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "answerCallbackQuery": self._answer_callback_query,
            "editMessageText": lambda p: self._edit_message("editMessageText", p),
            "editMessageCaption": lambda p: self._edit_message("editMessageCaption", p),
            "editMessageReplyMarkup": lambda p: self._edit_message("editMessageReplyMarkup", p),
            "deleteMessage": self._delete_message,
            "getChat": lambda p: dict(self._chat(self._chat_id(p)), accent_color_id=0, max_reaction_count=11),
            "close": lambda _p: True,
            "logOut": lambda _p: True,
        }
        self._canonical = {name.lower(): name for name in self._handlers}

        self._httpd = _Server(("127.0.0.1", 0), _make_handler(self))
        self.port = self._httpd.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}/bot"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-telegram", daemon=True)
        self._thread.start()

    # -- lifecycle ------------------------------------------------------------------------------------

    def __enter__(self) -> FakeTelegram:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop serving, wake long polls and drop open keep-alive connections. Safe to call twice."""
        if self._closing.is_set():
            return
        self._closing.set()
        with self._updates_cv:
            self._updates_cv.notify_all()
        self._httpd.shutdown()
        self._httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)

    # -- recorded calls -------------------------------------------------------------------------------

    @property
    def calls(self) -> list[tuple[str, dict[str, Any]]]:
        """Every request so far as (method, decoded params), a snapshot copy."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        """Params of every call to method (all attempts, including those answered with an error)."""
        with self._lock:
            return [params for name, params in self._calls if name == method]

    def methods(self) -> list[str]:
        """Method names in call order."""
        with self._lock:
            return [name for name, _ in self._calls]

    def _delivered_of(self, method: str, chat_id: int | str | None) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(params) for name, params in self._delivered
                    if name == method and (chat_id is None or params.get("chat_id") == chat_id)]

    def sent_messages(self, chat_id: int | str | None = None) -> list[dict[str, Any]]:
        """Delivered sendMessage params (to chat_id, or all), each plus the "message_id" it got."""
        return self._delivered_of("sendMessage", chat_id)

    def texts(self, chat_id: int | str | None = None) -> list[str]:
        """The text of each delivered sendMessage."""
        return [params.get("text", "") for params in self.sent_messages(chat_id)]

    def photos(self, chat_id: int | str | None = None) -> list[dict[str, Any]]:
        """Delivered sendPhoto params, each plus "message_id"; an uploaded photo is an UploadedFile."""
        return self._delivered_of("sendPhoto", chat_id)

    def failed_sends(self, chat_id: int | str | None = None) -> list[tuple[str, dict[str, Any], int]]:
        """(method, params, HTTP status) of each send the fake refused (injected faults, blocks, 400s)."""
        with self._lock:
            return [item for item in self._failed if chat_id is None or item[1].get("chat_id") == chat_id]

    def commands(self) -> list[dict[str, Any]] | None:
        """The commands of the last setMyCommands (any scope), or None if it was never called."""
        with self._lock:
            return None if self._last_commands is None else list(self._last_commands)

    def callback_answers(self) -> list[dict[str, Any]]:
        """Params of every answerCallbackQuery."""
        return self.calls_to("answerCallbackQuery")

    def edits(self) -> list[dict[str, Any]]:
        """Params of every editMessageText."""
        return self.calls_to("editMessageText")

    def message(self, chat_id: int | str, message_id: int) -> dict[str, Any] | None:
        """The current state of a message the bot sent (after edits), as the Bot API returns it."""
        with self._lock:
            stored = self._messages.get((chat_id, message_id))
            return None if stored is None else json.loads(json.dumps(stored))

    def clear_calls(self) -> None:
        """Forget recorded calls (not messages, chats or queued updates)."""
        with self._lock:
            self._calls.clear()
            self._delivered.clear()
            self._failed.clear()

    def wait_for(self, predicate: Callable[[FakeTelegram], Any], timeout: float = 5.0) -> Any:
        """Poll until predicate(self) is truthy and return its value; AssertionError on timeout.

        Blocks this thread: from a coroutine sharing the loop with a PTB Application use wait_for_async.
        """
        deadline = time.monotonic() + timeout
        while True:
            result = predicate(self)
            if result:
                return result
            if time.monotonic() >= deadline:
                raise AssertionError(f"condition not met within {timeout}s; calls: {self._summary()}")
            time.sleep(0.01)

    async def wait_for_async(self, predicate: Callable[[FakeTelegram], Any], timeout: float = 5.0) -> Any:
        """wait_for for coroutines: sleeps with asyncio so the event loop keeps running."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate(self)
            if result:
                return result
            if time.monotonic() >= deadline:
                raise AssertionError(f"condition not met within {timeout}s; calls: {self._summary()}")
            await asyncio.sleep(0.01)

    def _summary(self) -> str:
        calls = self.calls
        shown = ", ".join(f"{name}({params.get('chat_id', '')})" for name, params in calls[-20:])
        return f"{len(calls)} total; last: {shown}"

    # -- chats and users ------------------------------------------------------------------------------

    def set_chat(self, chat_id: int | str, chat_type: str, *, title: str | None = None,
                 username: str | None = None, first_name: str | None = None) -> None:
        """Declare a chat's type ("private", "group", "supergroup", "channel") and names."""
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = first_name or f"User {chat_id}"
        else:
            chat["title"] = title or f"Chat {chat_id}"
        if username:
            chat["username"] = username
        with self._lock:
            self._chats[chat_id] = chat

    def _chat(self, chat_id: int | str) -> dict[str, Any]:
        with self._lock:
            chat = self._chats.get(chat_id)
            if chat is None:
                if isinstance(chat_id, str):  # "@channelname"
                    chat = {"id": -1000000000000 - len(self._chats), "type": "channel", "title": chat_id,
                            "username": chat_id.lstrip("@")}
                elif chat_id > 0:
                    chat = {"id": chat_id, "type": "private", "first_name": f"User {chat_id}"}
                else:
                    chat = {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}"}
                self._chats[chat_id] = chat
            return dict(chat)

    @staticmethod
    def bot_user(full: bool = False) -> dict[str, Any]:
        """The bot as a User object (full=True: as getMe returns it)."""
        user: dict[str, Any] = {"id": BOT_ID, "is_bot": True, "first_name": BOT_FIRST_NAME, "username": BOT_USERNAME}
        if full:
            user.update(can_join_groups=True, can_read_all_group_messages=False, supports_inline_queries=False,
                        can_connect_to_business=False, has_main_web_app=False)
        return user

    @staticmethod
    def _user(user_id: int, first_name: str = "Test", username: str | None = None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "en"}
        if username:
            user["username"] = username
        return user

    def _next_message_id(self, chat_id: int | str) -> int:
        with self._lock:
            self._message_ids[chat_id] = self._message_ids.get(chat_id, 0) + 1
            return self._message_ids[chat_id]

    # -- injecting updates ----------------------------------------------------------------------------

    def inject(self, update: dict[str, Any]) -> int:
        """Queue a raw update (its update_id is assigned here) and return the update_id."""
        with self._updates_cv:
            update_id = next(self._update_ids)
            self._updates.append({"update_id": update_id, **update})
            self._updates_cv.notify_all()
            return update_id

    def send_text(self, chat_id: int, text: str, *, user_id: int | None = None, chat_type: str | None = None,
                  username: str | None = None, first_name: str = "Test") -> int:
        """Queue a text message from a user; /commands get bot_command entities. Returns the update_id.

        chat_type None: the chat's declared type, else "private" for positive ids and "supergroup" for
        negative ones. A given chat_type is remembered for the chat.
        """
        if user_id is None:
            user_id = chat_id if chat_id > 0 else GROUP_USER_ID
        with self._lock:
            if chat_type is not None and self._chats.get(chat_id, {}).get("type") != chat_type:
                self.set_chat(chat_id, chat_type, first_name=first_name, username=username)
            elif chat_id not in self._chats and chat_id > 0:
                self.set_chat(chat_id, "private", first_name=first_name, username=username)
            chat = self._chat(chat_id)
            message: dict[str, Any] = {
                "message_id": self._next_message_id(chat_id),
                "from": self._user(user_id, first_name, username),
                "chat": chat,
                "date": int(time.time()),
                "text": text,
            }
            entities = [{"type": "bot_command", "offset": _utf16_len(text[:m.start()]),
                         "length": _utf16_len(m.group(0))} for m in _COMMAND_RE.finditer(text)]
            if entities:
                message["entities"] = entities
            return self.inject({"message": message})

    def press_button(self, chat_id: int | str, message_id: int, data: str, *, user_id: int | None = None,
                     check: bool = True) -> int:
        """Queue a callback_query pressing a button of the bot's message; returns the update_id.

        check: raise ValueError unless the message has an inline button with this callback_data.
        """
        with self._lock:
            message = self.message(chat_id, message_id)
            if message is None:
                raise KeyError(f"the bot sent no message {message_id} to chat {chat_id}")
            if check:
                buttons = [button.get("callback_data") for row in
                           message.get("reply_markup", {}).get("inline_keyboard", []) for button in row]
                if data not in buttons:
                    raise ValueError(f"message {message_id} has no button with callback_data {data!r}; "
                                     f"it has {buttons}")
            if user_id is None:
                user_id = chat_id if isinstance(chat_id, int) and chat_id > 0 else GROUP_USER_ID
            query_id = str(9_000_000_000 + next(self._callback_ids))
            self._open_callbacks.add(query_id)
            first_name = self._chat(chat_id).get("first_name", "Test") if user_id == chat_id else "Test"
            return self.inject({"callback_query": {
                "id": query_id,
                "from": self._user(user_id, first_name),
                "message": message,
                "chat_instance": str(abs(hash(("chat", chat_id)))),
                "data": data,
            }})

    def channel_post(self, chat_id: int, text: str, *, title: str | None = None) -> int:
        """Queue a channel_post update in channel chat_id; returns the update_id."""
        with self._lock:
            if self._chats.get(chat_id, {}).get("type") != "channel":
                self.set_chat(chat_id, "channel", title=title)
            chat = self._chat(chat_id)
            message: dict[str, Any] = {"message_id": self._next_message_id(chat_id), "sender_chat": chat,
                                       "chat": chat, "date": int(time.time()), "text": text}
            entities = [{"type": "bot_command", "offset": _utf16_len(text[:m.start()]),
                         "length": _utf16_len(m.group(0))} for m in _COMMAND_RE.finditer(text)]
            if entities:
                message["entities"] = entities
            return self.inject({"channel_post": message})

    def pending_updates(self) -> int:
        """Updates queued and not yet confirmed by a getUpdates offset."""
        with self._lock:
            return len(self._updates)

    # -- fault injection ------------------------------------------------------------------------------

    def fail_next(self, chat_id: int | str | None = None, *, status: int = 429, retry_after: int = 1,
                  count: int = 1, method: str = "sendMessage", description: str | None = None) -> None:
        """Answer the next count calls of method (to chat_id, or any chat) with a Telegram error.

        429 carries parameters.retry_after (PTB raises RetryAfter), 403 is "bot was blocked by the user"
        (Forbidden), 400 "chat not found" (BadRequest); description overrides the text.
        """
        with self._lock:
            self._fail_rules.append(_FailRule(chat_id, status, retry_after, count, method, description))

    def block(self, chat_id: int | str) -> None:
        """The user blocked the bot: every send to chat_id answers 403 until unblock."""
        with self._lock:
            self._blocked.add(chat_id)

    def unblock(self, chat_id: int | str) -> None:
        with self._lock:
            self._blocked.discard(chat_id)

    def _injected_fault(self, method: str, chat_id: int | str | None) -> ApiError | None:
        with self._lock:
            if chat_id in self._blocked and method.startswith("send"):
                return _error_for(403, 0)
            for rule in self._fail_rules:
                if rule.method == method and (rule.chat_id is None or rule.chat_id == chat_id):
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self._fail_rules.remove(rule)
                    return _error_for(rule.status, rule.retry_after, rule.description)
            return None

    # -- request dispatch (server threads) ------------------------------------------------------------

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Run one API call; returns (HTTP status, JSON body)."""
        method = self._canonical.get(method.lower(), method)
        with self._lock:
            self._calls.append((method, params))
        handler = self._handlers.get(method)
        try:
            if handler is None:
                return 200, {"ok": True, "result": True}
            return 200, {"ok": True, "result": handler(params)}
        except ApiError as error:
            if method.startswith(("send", "edit")):
                with self._lock:
                    self._failed.append((method, params, error.status))
            return error.status, error.body()

    @staticmethod
    def _chat_id(params: dict[str, Any]) -> int | str:
        chat_id = params.get("chat_id")
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        return chat_id

    def _delete_webhook(self, params: dict[str, Any]) -> bool:
        with self._lock:
            self._webhook_url = ""
            if params.get("drop_pending_updates"):
                self._updates.clear()
        return True

    def _set_webhook(self, params: dict[str, Any]) -> bool:
        with self._lock:
            self._webhook_url = str(params.get("url", ""))
        return True

    def _get_webhook_info(self, _params: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            return {"url": self._webhook_url, "has_custom_certificate": False,
                    "pending_update_count": len(self._updates)}

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = max(1, min(100, int(params.get("limit") or 100)))
        wait = min(float(params.get("timeout") or 0), self.max_poll_wait)
        allowed = params.get("allowed_updates") or None
        deadline = time.monotonic() + wait
        with self._updates_cv:
            if self._webhook_url:
                raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                    "use deleteWebhook to delete the webhook first")
            if offset > 0:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            elif offset < 0:
                self._updates = self._updates[offset:]
            while True:
                ready = [u for u in self._updates if allowed is None or any(k in u for k in allowed)]
                remaining = deadline - time.monotonic()
                if ready or remaining <= 0 or self._closing.is_set():
                    return json.loads(json.dumps(ready[:limit]))  # a copy: later edits don't leak in
                self._updates_cv.wait(remaining)

    def _prepare_text(self, params: dict[str, Any], key: str, limit: int) -> tuple[str, list[dict[str, Any]]]:
        raw = params.get(key)
        text = "" if raw is None else str(raw)
        entities = params.get("entities" if key == "text" else "caption_entities") or []
        if str(params.get("parse_mode") or "").lower() == "html" and self.validate_html:
            text, entities = parse_html(text)
        if key == "text" and not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > limit:
            raise ApiError(400, "Bad Request: message is too long" if key == "text"
                           else "Bad Request: message caption is too long")
        return text, entities

    @staticmethod
    def _check_markup(params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if not isinstance(markup, dict):
            return None
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return markup if "inline_keyboard" in markup else None  # only inline keyboards come back

    def _new_message(self, method: str, params: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        chat = self._chat(chat_id)
        with self._lock:
            message: dict[str, Any] = {"message_id": self._next_message_id(chat_id), "date": int(time.time()),
                                       "chat": chat}
            if chat["type"] == "channel":
                message["sender_chat"] = chat
            else:
                message["from"] = self.bot_user()
            message.update(body)
            if params.get("message_thread_id") is not None:
                message["message_thread_id"] = params["message_thread_id"]
            self._messages[(chat_id, message["message_id"])] = message
            self._delivered.append((method, {**params, "message_id": message["message_id"]}))
            return message

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        if self.latency:
            time.sleep(self.latency)
        fault = self._injected_fault("sendMessage", chat_id)
        if fault is not None:
            raise fault
        text, entities = self._prepare_text(params, "text", MAX_TEXT)
        body: dict[str, Any] = {"text": text}
        if entities:
            body["entities"] = entities
        if params.get("link_preview_options"):
            body["link_preview_options"] = params["link_preview_options"]
        markup = self._check_markup(params)
        if markup:
            body["reply_markup"] = markup
        return self._new_message("sendMessage", params, body)

    def _send_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._chat_id(params)
        fault = self._injected_fault("sendPhoto", chat_id)
        if fault is not None:
            raise fault
        photo = params.get("photo")
        if photo is None or photo == "":
            raise ApiError(400, "Bad Request: there is no photo in the request")
        size = len(photo.data) if isinstance(photo, UploadedFile) else 1024
        file_no = next(self._file_ids)
        size_info = {"file_id": f"AgACAgFAKE{file_no:06d}", "file_unique_id": f"AQADF{file_no:06d}",
                     "width": 320, "height": 240, "file_size": size}
        body: dict[str, Any] = {"photo": [size_info]}
        if params.get("caption"):
            caption, entities = self._prepare_text(params, "caption", MAX_CAPTION)
            body["caption"] = caption
            if entities:
                body["caption_entities"] = entities
        markup = self._check_markup(params)
        if markup:
            body["reply_markup"] = markup
        return self._new_message("sendPhoto", params, body)

    def _scope_key(self, params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def _set_my_commands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            name = str(command.get("command", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name) or not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        with self._lock:
            self._commands[self._scope_key(params)] = commands
            self._last_commands = commands
        return True

    def _get_my_commands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._commands.get(self._scope_key(params), []))

    def _delete_my_commands(self, params: dict[str, Any]) -> bool:
        with self._lock:
            self._commands.pop(self._scope_key(params), None)
        return True

    def _answer_callback_query(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        with self._lock:
            if query_id not in self._open_callbacks:
                raise ApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
        return True

    def _edit_message(self, method: str, params: dict[str, Any]) -> dict[str, Any] | bool:
        if params.get("inline_message_id"):
            return True
        chat_id = self._chat_id(params)
        message_id = int(params.get("message_id") or 0)
        with self._lock:
            stored = self._messages.get((chat_id, message_id))
            if stored is None:
                raise ApiError(400, "Bad Request: message to edit not found")
            updated = dict(stored)
            if method == "editMessageText":
                text, entities = self._prepare_text(params, "text", MAX_TEXT)
                updated["text"] = text
                updated.pop("entities", None)
                if entities:
                    updated["entities"] = entities
            elif method == "editMessageCaption":
                caption, entities = self._prepare_text(params, "caption", MAX_CAPTION)
                updated["caption"] = caption
                updated.pop("caption_entities", None)
                if entities:
                    updated["caption_entities"] = entities
            markup = self._check_markup(params)
            updated.pop("reply_markup", None)
            if markup and markup.get("inline_keyboard"):
                updated["reply_markup"] = markup
            unchanged = {k: v for k, v in stored.items() if k != "edit_date"}
            if {k: v for k, v in updated.items() if k != "edit_date"} == unchanged:
                raise ApiError(400, "Bad Request: message is not modified: specified new message content and "
                                    "reply markup are exactly the same as a current content and reply markup "
                                    "of the message")
            updated["edit_date"] = int(time.time())
            self._messages[(chat_id, message_id)] = updated
            return updated

    def _delete_message(self, params: dict[str, Any]) -> bool:
        chat_id = self._chat_id(params)
        with self._lock:
            if self._messages.pop((chat_id, int(params.get("message_id") or 0)), None) is None:
                raise ApiError(400, "Bad Request: message to delete not found")
        return True

    # -- connections ----------------------------------------------------------------------------------

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)


_REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
            409: "Conflict", 413: "Request Entity Too Large", 429: "Too Many Requests", 500: "Internal Server Error",
            502: "Bad Gateway"}
_MAX_LINE = 65536


def _make_handler(fake: FakeTelegram) -> type[socketserver.StreamRequestHandler]:
    prefix = f"/bot{fake.token}/"

    class Handler(socketserver.StreamRequestHandler):
        """HTTP/1.1 with keep-alive, parsed by hand: http.server's email-based header parsing costs more
        than everything else a request does here, and PTB (httpx) sends hundreds per second."""

        disable_nagle_algorithm = True

        def setup(self) -> None:
            super().setup()
            fake._track(self.connection, True)

        def finish(self) -> None:
            fake._track(self.connection, False)
            with contextlib.suppress(OSError):
                super().finish()

        def handle(self) -> None:
            with contextlib.suppress(OSError, ValueError):  # client went away, or the server is closing
                while not fake._closing.is_set() and self._handle_one():
                    pass

        def _handle_one(self) -> bool:
            """Serve one request; False when the connection should close."""
            line = self.rfile.readline(_MAX_LINE)
            while line in (b"\r\n", b"\n"):  # tolerate stray blank lines between requests
                line = self.rfile.readline(_MAX_LINE)
            if not line:
                return False
            parts = line.decode("latin-1").split()
            headers: dict[str, str] = {}
            while True:
                header = self.rfile.readline(_MAX_LINE)
                if header in (b"\r\n", b"\n", b""):
                    break
                name, _, value = header.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            if len(parts) != 3 or not parts[2].startswith("HTTP/"):
                self._respond(400, {"ok": False, "error_code": 400, "description": "Bad Request"}, close=True)
                return False
            verb, target, version = parts
            if headers.get("transfer-encoding", "").lower() == "chunked":
                body = self._read_chunked()
            else:
                body = self.rfile.read(int(headers.get("content-length") or 0))
            keep_alive = (headers.get("connection", "").lower() != "close" if version == "HTTP/1.1"
                          else headers.get("connection", "").lower() == "keep-alive")
            try:
                if verb not in ("GET", "POST"):
                    raise ApiError(405, f"Method {verb} not allowed")
                status, payload = self._dispatch(target, headers, body)
            except ApiError as error:
                status, payload = error.status, error.body()
            except Exception as exc:  # a bug in the fake: answer 500 rather than leave the client hanging
                status, payload = 500, {"ok": False, "error_code": 500, "description": f"Fake server error: {exc!r}"}
            self._respond(status, payload, close=not keep_alive)
            return keep_alive

        def _read_chunked(self) -> bytes:
            chunks = []
            while True:
                size = int(self.rfile.readline(_MAX_LINE).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(_MAX_LINE) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(_MAX_LINE)

        def _respond(self, status: int, payload: dict[str, Any], *, close: bool) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            head = (f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\nServer: FakeTelegram\r\n"
                    f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
                    f"Connection: {'close' if close else 'keep-alive'}\r\n\r\n")
            self.wfile.write(head.encode("latin-1") + data)  # one write: no waiting on delayed ACKs

        @staticmethod
        def _dispatch(target: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
            url = urlsplit(target)
            if not url.path.startswith("/bot"):
                raise ApiError(404, "Not Found")
            if not url.path.startswith(prefix):
                raise ApiError(401, "Unauthorized")
            method = url.path[len(prefix):].strip("/")
            if not method:
                raise ApiError(404, "Not Found: method not found")
            pairs: list[tuple[str, Any]] = list(parse_qsl(url.query, keep_blank_values=True))
            content_type = headers.get("content-type", "")
            kind = content_type.split(";")[0].strip().lower()
            if kind == "multipart/form-data":
                pairs += _parse_multipart(body, content_type)
            elif kind == "application/json" and body:
                decoded = json.loads(body)
                if isinstance(decoded, dict):
                    pairs += [(k, v if isinstance(v, str) else json.dumps(v)) for k, v in decoded.items()]
            elif body:
                pairs += parse_qsl(body.decode("utf-8"), keep_blank_values=True)
            return fake.handle(method, _decode_params(pairs))

    return Handler
