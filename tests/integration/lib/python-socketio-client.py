"""A python-socketio client with its default options (polling first, then
the upgrade to WebSocket), as an app would create it. Driven by
polling.test.mjs: connects to URL with TOKEN, asks whoami, joins ROOM_ID,
sends a chat message and waits for its echo, then prints what it saw as
one JSON object and exits 0.

    python-socketio-client.py URL TOKEN ROOM_ID
"""
import json
import sys
import threading

import socketio

url, token, room_id = sys.argv[1:4]
message = threading.Event()
seen = {}

sio = socketio.Client()


@sio.on("chat:message")
def on_chat_message(payload):
    seen["message"] = payload
    message.set()


sio.connect(url, auth={"token": token}, wait_timeout=10)
seen["transport"] = sio.transport()
seen["whoami"] = sio.call("whoami", timeout=10)
seen["join"] = sio.call("room:join", {"roomId": room_id}, timeout=10)
seen["chat"] = sio.call("chat:send", {"text": "from python"}, timeout=10)
if not message.wait(10):
    sys.exit("no chat:message echo within 10 s")
sio.disconnect()
print(json.dumps(seen))
