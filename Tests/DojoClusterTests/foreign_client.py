"""A foreign client of Dojo's replay server: Python's pyzmq speaking dojo.proto (compiled here by
protoc), with CURVE keys. Prints one JSON object with what the server answered.
Usage: foreign_client.py ENDPOINT SERVER_PUBLIC CLIENT_PUBLIC CLIENT_SECRET PROTO_DIR"""
import json
import subprocess
import sys
import tempfile

import zmq

endpoint, server_public, client_public, client_secret, proto_dir = sys.argv[1:6]
generated = tempfile.mkdtemp()
subprocess.run(["protoc", f"-I{proto_dir}", f"--python_out={generated}", f"{proto_dir}/dojo.proto"], check=True)
sys.path.insert(0, generated)
import dojo_pb2 as pb  # noqa: E402

context = zmq.Context()


def connect(public, secret):
    s = context.socket(zmq.REQ)
    s.curve_serverkey = server_public.encode()
    s.curve_publickey = public.encode()
    s.curve_secretkey = secret.encode()
    s.setsockopt(zmq.LINGER, 0)
    s.setsockopt(zmq.RCVTIMEO, 3000)
    s.connect(endpoint)
    return s


def ask(s, data):
    s.send(data)
    try:
        reply = s.recv()
    except zmq.Again:
        return None
    e = pb.Envelope()
    e.ParseFromString(reply)
    return e


def game(policy_scale):
    """X takes the top row (actions 0, 1, 2) while O plays 3 and 4; the first move is a sample."""
    g = pb.GameRecord(game="tic_tac_toe", generation=0, actor="python", outcome_for_first=1, resign_allowed=True)
    for i, a in enumerate([0, 3, 1, 4, 2]):
        m = g.moves.add(action=a, player=pb.FIRST if i % 2 == 0 else pb.SECOND, root_value=0.0, simulations=1)
        if i == 0:
            m.full_search = True
            m.actions.extend(range(9))
            m.policy.extend([policy_scale / 9] * 9)
    return g


def submit(s, g):
    e = ask(s, pb.Envelope(version=1, submit_games=pb.SubmitGames(games=[g])).SerializeToString())
    return {"ids": list(e.accepted.game_ids), "refused": [r.reason for r in e.accepted.refused]}


results = {}
s = connect(client_public, client_secret)
results["valid"] = submit(s, game(1.0))
results["bad_policy"] = submit(s, game(2.0))
results["garbage"] = ask(s, b"\x0a\xff\xff").error.reason
stranger_public, stranger_secret = zmq.curve_keypair()
intruder = connect(stranger_public.decode(), stranger_secret.decode())
answer = ask(intruder, pb.Envelope(version=1, submit_games=pb.SubmitGames(games=[game(1.0)])).SerializeToString())
results["wrong_key"] = "timeout" if answer is None else "answered"
print(json.dumps(results))
