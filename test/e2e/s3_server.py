"""A real S3-compatible server for end-to-end tests: moto_server (moto[server], in .venv) on loopback.

`s3_server` (pytest fixture) starts moto on a free port in a subprocess, creates an IAM user with a policy
allowing S3, its access key and a bucket, then switches moto's IAM checks on, so every later request must be
signed with that key (a wrong secret gets 403 SignatureDoesNotMatch, as on AWS). The process is stopped when
the test ends. moto keeps its state in memory: pause it (SIGSTOP/SIGCONT) to simulate an outage without
losing the bucket.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import pytest

import helpers

MOTO_SERVER = Path(sys.executable).parent / "moto_server"
BUCKET = "openduck-test"
REGION = "us-east-1"
START_TIMEOUT_S = 60.0
# moto's IAM needs no real account: its default one is 123456789012.
ALLOW_S3 = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}'


@dataclass
class S3Server:
    port: int
    process: subprocess.Popen = field(repr=False)
    log_path: Path
    access_key_id: str = ""
    secret_access_key: str = field(default="", repr=False)
    bucket: str = BUCKET
    region: str = REGION
    paused: bool = False

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, secret_access_key: Optional[str] = None):
        """A boto3 S3 client signed with the test user's key (or another secret)."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=secret_access_key or self.secret_access_key,
        )

    def keys(self, prefix: str = "") -> List[str]:
        keys: List[str] = []
        paginator = self.client().get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            keys += [entry["Key"] for entry in page.get("Contents", [])]
        return keys

    def server_env(self, secret_access_key: Optional[str] = None) -> Dict[str, str]:
        """The AWS_* environment an `openduck serve` process gets (the standard variables it reads)."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": secret_access_key or self.secret_access_key,
            "AWS_REGION": self.region,
            "AWS_SESSION_TOKEN": "",
            "AWS_ENDPOINT_URL": "",
            "AWS_ENDPOINT_URL_S3": "",
        }

    def store_args(self, prefix: str, cache_dir: Path) -> List[str]:
        return [
            "--storage", "layered",
            "--store", f"s3://{self.bucket}/{prefix}",
            "--s3-endpoint", self.endpoint,
            "--cache-dir", str(cache_dir),
        ]

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)
        self.paused = True

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)
        self.paused = False

    def stop(self) -> None:
        if self.process.poll() is None:
            if self.paused:
                self.resume()
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def _wait_until_up(server: S3Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"moto_server exited with code {server.process.returncode}:\n{server.log_text()}")
        try:
            with urllib.request.urlopen(f"{server.endpoint}/moto-api/data.json", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"moto_server did not answer within {START_TIMEOUT_S:.0f}s:\n{server.log_text()}")


def start_s3_server(work_dir: Path) -> S3Server:
    if not MOTO_SERVER.exists():
        pytest.fail(f"moto_server not found at {MOTO_SERVER}: install moto[server] (scripts/install_deps.sh)", pytrace=False)
    import boto3

    work_dir.mkdir(parents=True, exist_ok=True)
    port = helpers.free_port()
    log_path = work_dir / "moto.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MOTO_", "INITIAL_NO_AUTH"))}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            helpers.DIE_WITH_PARENT + [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=work_dir, env=env,
        )
    server = S3Server(port=port, process=process, log_path=log_path)
    try:
        _wait_until_up(server)
        setup = dict(endpoint_url=server.endpoint, region_name=REGION, aws_access_key_id="setup", aws_secret_access_key="setup")
        iam = boto3.client("iam", **setup)
        iam.create_user(UserName="openduck")
        iam.put_user_policy(UserName="openduck", PolicyName="s3", PolicyDocument=ALLOW_S3)
        key = iam.create_access_key(UserName="openduck")["AccessKey"]
        server.access_key_id, server.secret_access_key = key["AccessKeyId"], key["SecretAccessKey"]
        boto3.client("s3", **setup).create_bucket(Bucket=BUCKET)
        # From now on moto checks every request's signature and the user's policy.
        request = urllib.request.Request(f"{server.endpoint}/moto-api/reset-auth", data=b"0", method="POST", headers={"Content-Type": "text/plain"})
        with urllib.request.urlopen(request, timeout=5):
            pass
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture
def s3_server(tmp_path_factory):
    server = start_s3_server(tmp_path_factory.mktemp("moto"))
    yield server
    server.stop()
