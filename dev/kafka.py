"""A real single-node Apache Kafka broker (KRaft) for development, tests and benchmarks.

Why: the stream processor must be tested against the real thing, not mocks, and Docker is not
always available. The broker jars come from Maven Central (pinned in dev/kafka/pom.xml) into
.cache/kafka/libs/, and the broker runs as a plain JVM bound to 127.0.0.1 only.

    python dev/kafka.py fetch                      # download the pinned jars (once)
    python dev/kafka.py start [--dir D] [--port N] [--controller-port N] [--tls [--tls-port N]]
    python dev/kafka.py status [--dir D]
    python dev/kafka.py stop [--dir D]

From Python (repo root on sys.path; `dev` is a namespace package):

    from dev.kafka import KafkaBroker
    with KafkaBroker(port=0, tls=True) as broker:   # port=0: pick free ports
        broker.bootstrap, broker.tls.bootstrap, broker.tls.cafile, broker.tls.username, ...

Every start formats fresh storage: the dev broker holds no state across restarts.

This module deliberately does not import kafka-python: run as `python dev/kafka.py`, its own
directory is sys.path[0], so `import kafka` would find this file. Readiness is checked with a
tiny hand-written Metadata / ApiVersions request instead.
"""

from __future__ import annotations

import argparse
import base64
import ctypes
import dataclasses
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

KAFKA_VERSION = "3.9.1"  # must match <kafka.version> in dev/kafka/pom.xml
ROOT = Path(__file__).resolve().parent.parent
POM = ROOT / "dev" / "kafka" / "pom.xml"
LIBS = ROOT / ".cache" / "kafka" / "libs"
MARKER = LIBS / ".riskstream-fetched"
DEFAULT_DIR = ROOT / ".cache" / "kafka" / "run"
DEFAULT_PORT, DEFAULT_CONTROLLER_PORT, DEFAULT_TLS_PORT = 9092, 9093, 9094
SCRAM_MECHANISM = "SCRAM-SHA-512"
SCRAM_USER = "riskstream"
STATE_FILE = "broker.json"  # lets `stop`/`status` in another process find the broker
PID_FILE = "broker.pid"


class KafkaDevError(RuntimeError):
    """Anything that stops the dev broker from being fetched, started or stopped."""


# --------------------------------------------------------------------------- fetch


def _pom_digest() -> str:
    return hashlib.sha256(POM.read_bytes()).hexdigest()[:16]


def _marker_text() -> str:
    return f"{KAFKA_VERSION} {_pom_digest()}\n"


def is_fetched() -> bool:
    """True when .cache/kafka/libs holds the jars for exactly the current pom."""
    try:
        return MARKER.read_text() == _marker_text()
    except OSError:
        return False


def fetch(verbose: bool = True) -> Path:
    """Copy the pinned broker jars from Maven Central into .cache/kafka/libs (skipped if present)."""
    if is_fetched():
        return LIBS
    pinned = re.search(r"<kafka\.version>([^<]+)</kafka\.version>", POM.read_text())
    if not pinned or pinned.group(1) != KAFKA_VERSION:
        raise KafkaDevError(f"{POM} pins Kafka {pinned and pinned.group(1)!r} but dev/kafka.py expects {KAFKA_VERSION}")
    mvn = shutil.which("mvn")
    if not mvn:
        raise KafkaDevError("Maven (`mvn`) is not on PATH; it is needed once to download the Kafka jars")
    if verbose:
        print(f"dev/kafka: fetching Apache Kafka {KAFKA_VERSION} jars from Maven Central ...", file=sys.stderr)
    LIBS.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="libs.tmp-", dir=LIBS.parent))
    cmd = [mvn, "-q", "-B", "-Dstyle.color=never", "-f", str(POM), "dependency:copy-dependencies",
           f"-DoutputDirectory={tmp}", "-DincludeScope=runtime"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise KafkaDevError(f"`{' '.join(cmd)}` failed (exit {proc.returncode}):\n{_tail(proc.stdout + proc.stderr, 40)}")
        for jar in (f"kafka_2.13-{KAFKA_VERSION}.jar", f"kafka-clients-{KAFKA_VERSION}.jar"):
            if not (tmp / jar).is_file():
                raise KafkaDevError(f"Maven finished but {jar} is missing from {tmp}")
        (tmp / MARKER.name).write_text(_marker_text())
        if LIBS.exists():
            shutil.rmtree(LIBS)
        os.rename(tmp, LIBS)
    except OSError:
        if not is_fetched():  # a concurrent fetch winning the rename is fine
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if verbose:
        print(f"dev/kafka: {len(list(LIBS.glob('*.jar')))} jars in {LIBS}", file=sys.stderr)
    return LIBS


# --------------------------------------------------------------------------- helpers


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _file_tail(path: Path, lines: int = 40) -> str:
    try:
        return _tail(path.read_text(errors="replace"), lines)
    except OSError:
        return "(missing)"


def _log_excerpt(path: Path) -> str:
    """The ERROR/FATAL lines plus the last lines of a broker log: the config dump is just noise."""
    try:
        lines = path.read_text(errors="replace").rstrip().splitlines()
    except OSError:
        return "(missing)"
    errors = [l for l in lines if "] ERROR " in l or "] FATAL " in l or "Exception" in l][-12:]
    head = ["... errors:", *errors, "... last lines:"] if errors else []
    return "\n".join(head + lines[-15:])


def free_port() -> int:
    """An ephemeral port free right now on 127.0.0.1 (racy by nature; start() retries on clashes)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _java() -> str:
    home = os.environ.get("JAVA_HOME")
    java = str(Path(home) / "bin" / "java") if home and (Path(home) / "bin" / "java").exists() else shutil.which("java")
    if not java:
        raise KafkaDevError("`java` not found (install a JDK 17, or set JAVA_HOME)")
    return java


def _cluster_id() -> str:
    """Kafka's Uuid string form: url-safe base64 of 16 random bytes, no padding, not starting with '-'."""
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cid.startswith("-"):
            return cid


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child still "exists" until reaped
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def _is_our_broker(pid: int, config: Path) -> bool:
    """Guard against pid reuse: the process must be kafka.Kafka running this config."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return _pid_alive(pid)  # no /proc: trust the pid file
    return b"kafka.Kafka" in cmdline and str(config).encode() in cmdline


def _signal(pid: int, sig: int) -> None:
    """Signal the broker's whole process group when it leads one (it does: start_new_session)."""
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _die_with_parent() -> None:
    """preexec_fn: SIGTERM the JVM if the Python process that started it dies (Linux only)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


# --------------------------------------------------------------------------- wire probes


def _request(sock: socket.socket, api_key: int, version: int, body: bytes) -> bytes:
    client = b"riskstream-dev"
    header = struct.pack(">hhih", api_key, version, 7, len(client)) + client
    payload = header + body
    sock.sendall(struct.pack(">i", len(payload)) + payload)
    size = struct.unpack(">i", _recv_exact(sock, 4))[0]
    return _recv_exact(sock, size)[4:]  # drop the correlation id


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("broker closed the connection")
        buf += chunk
    return buf


def probe_cluster(bootstrap: str, timeout: float = 2.0) -> tuple[int, str | None]:
    """(live brokers, cluster id) from a Metadata v2 request; >0 brokers means it serves clients."""
    host, port = bootstrap.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        resp = _request(sock, 3, 2, struct.pack(">i", -1))  # Metadata v2, all topics
    count, pos = struct.unpack_from(">i", resp, 0)[0], 4
    for _ in range(count):  # node_id, host, port, rack
        pos += 4
        pos += 2 + struct.unpack_from(">h", resp, pos)[0]
        pos += 4
        rack = struct.unpack_from(">h", resp, pos)[0]
        pos += 2 + max(rack, 0)
    size = struct.unpack_from(">h", resp, pos)[0]
    cluster_id = resp[pos + 2:pos + 2 + size].decode() if size >= 0 else None
    return count, cluster_id


def probe_metadata(bootstrap: str, timeout: float = 2.0) -> int:
    """Number of live brokers the broker at `bootstrap` reports."""
    return probe_cluster(bootstrap, timeout)[0]


def probe_tls(bootstrap: str, cafile: str, timeout: float = 2.0) -> None:
    """TLS handshake verified against the CA, then ApiVersions (allowed before SASL auth)."""
    host, port = bootstrap.rsplit(":", 1)
    ctx = ssl.create_default_context(cafile=cafile)
    with socket.create_connection((host, int(port)), timeout=timeout) as raw:
        with ctx.wrap_socket(raw, server_hostname=host) as sock:
            resp = _request(sock, 18, 0, b"")  # ApiVersions v0
    if struct.unpack(">h", resp[:2])[0] != 0:
        raise ConnectionError("ApiVersions over TLS returned an error")


def wait_for_broker(bootstrap: str, timeout: float = 30.0) -> None:
    """Block until something at `bootstrap` answers Metadata with a live broker (external brokers too)."""
    deadline, last = time.monotonic() + timeout, None
    while time.monotonic() < deadline:
        try:
            if probe_metadata(bootstrap) > 0:
                return
            last = "metadata lists no live brokers yet"
        except (OSError, struct.error) as exc:
            last = exc
        time.sleep(0.2)
    raise KafkaDevError(f"no Kafka broker answering at {bootstrap} after {timeout:.0f}s (last error: {last})")


# --------------------------------------------------------------------------- broker


@dataclasses.dataclass(frozen=True)
class TlsEndpoint:
    """How a client reaches the SASL_SSL listener (self-signed CA, SCRAM-SHA-512)."""

    bootstrap: str
    cafile: str
    username: str
    password: str
    mechanism: str = SCRAM_MECHANISM
    security_protocol: str = "SASL_SSL"
    log_path: str | None = None  # broker log, when the broker is ours (lets tests check what it logged)

    def kafka_python_config(self) -> dict:
        """Keyword arguments for kafka-python's KafkaProducer / KafkaConsumer / KafkaAdminClient."""
        return {
            "bootstrap_servers": self.bootstrap,
            "security_protocol": self.security_protocol,
            "ssl_cafile": self.cafile,
            "sasl_mechanism": self.mechanism,
            "sasl_plain_username": self.username,
            "sasl_plain_password": self.password,
        }

    def ssl_context(self) -> ssl.SSLContext:
        """A verifying client context trusting only the dev CA (e.g. for faust.SASLCredentials)."""
        return ssl.create_default_context(cafile=self.cafile)


class KafkaBroker:
    """One KRaft broker+controller JVM. port=0 (and tls_port=0) picks free ports at start()."""

    def __init__(
        self,
        dir: str | os.PathLike | None = None,
        port: int = DEFAULT_PORT,
        controller_port: int | None = None,
        tls: bool = False,
        tls_port: int | None = None,
        heap: str = "512m",
        startup_timeout: float = 60.0,
        detach: bool = False,
    ):
        self._own_dir = dir is None
        self.dir = Path(dir).resolve() if dir is not None else Path(tempfile.mkdtemp(prefix="riskstream-kafka-"))
        if controller_port is None:
            controller_port = 0 if port == 0 else DEFAULT_CONTROLLER_PORT
        if tls_port is None:
            tls_port = 0 if port == 0 else DEFAULT_TLS_PORT
        self._want = (port, controller_port, tls_port)  # 0 = pick a free port at each start()
        self.port, self.controller_port, self.tls_port = port, controller_port, tls_port
        self.tls_enabled = tls
        self.heap = heap
        self.startup_timeout = startup_timeout
        self.detach = detach  # CLI start: outlive this Python process
        self.sasl_username = SCRAM_USER
        self.sasl_password = ""
        self.pid: int | None = None
        self.cluster_id: str | None = None
        self.startup_seconds: float | None = None
        self._proc: subprocess.Popen | None = None

    # paths ---------------------------------------------------------------
    config_path = property(lambda self: self.dir / "server.properties")
    log_path = property(lambda self: self.dir / "broker.log")  # log4j output of the broker
    out_path = property(lambda self: self.dir / "broker.out")  # JVM stdout/stderr (crashes)
    data_dir = property(lambda self: self.dir / "data")
    cafile = property(lambda self: str(self.dir / "tls" / "ca.pem") if self.tls_enabled else None)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def tls_bootstrap(self) -> str | None:
        return f"127.0.0.1:{self.tls_port}" if self.tls_enabled else None

    @property
    def tls(self) -> TlsEndpoint:
        if not self.tls_enabled:
            raise KafkaDevError("this broker was started without tls=True")
        return TlsEndpoint(self.tls_bootstrap, self.cafile, self.sasl_username, self.sasl_password,
                           log_path=str(self.log_path))

    # lifecycle -----------------------------------------------------------
    def __enter__(self) -> "KafkaBroker":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        tls = f" tls={self.tls_bootstrap}" if self.tls_enabled else ""
        return f"<KafkaBroker {self.bootstrap}{tls} pid={self.pid} dir={self.dir}>"

    def start(self) -> "KafkaBroker":
        """Fetch jars if needed, write config, format storage, launch and wait until it serves."""
        fetch()
        existing = self._running_pid()
        if existing:
            raise KafkaDevError(f"a broker is already running from {self.dir} (pid {existing}); stop it first")
        auto = 0 in (self._want if self.tls_enabled else self._want[:2])
        for attempt in range(3 if auto else 1):
            try:
                return self._start_once()
            except _PortClash:
                if attempt == 2 or not auto:
                    raise KafkaDevError(f"ports in use, broker could not bind:\n{_log_excerpt(self.log_path)}") from None
        raise AssertionError("unreachable")

    def _start_once(self) -> "KafkaBroker":
        t0 = time.monotonic()
        self._pick_ports()
        self._check_ports_free()
        self._clean_run_dir()
        if self.tls_enabled:
            self.sasl_password = secrets.token_hex(16)
            self._make_certs()
        self._write_config()
        self._format_storage()
        try:
            self._launch()
            self._wait_ready()
        except BaseException:  # incl. Ctrl-C: never leave a half-started JVM behind
            if self.pid:
                self.stop()
            raise
        self.startup_seconds = time.monotonic() - t0
        self._write_state()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM (controlled shutdown), SIGKILL after `timeout`, then remove data and state."""
        pid = self.pid or self._running_pid()
        if pid and _pid_alive(pid):
            _signal(pid, signal.SIGTERM)
            if not self._wait_exit(pid, timeout):
                _signal(pid, signal.SIGKILL)
                if not self._wait_exit(pid, 10):
                    raise KafkaDevError(f"broker pid {pid} survived SIGKILL")
        self._proc, self.pid = None, None
        for name in (PID_FILE, STATE_FILE):
            (self.dir / name).unlink(missing_ok=True)
        shutil.rmtree(self.data_dir, ignore_errors=True)
        shutil.rmtree(self.dir / "tls", ignore_errors=True)
        if self._own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def is_running(self) -> bool:
        return self._running_pid() is not None

    @classmethod
    def from_dir(cls, dir: str | os.PathLike) -> "KafkaBroker":
        """Re-attach to a broker started (maybe by another process) in `dir`, using its state file."""
        broker = cls(dir=dir)
        try:
            state = json.loads((broker.dir / STATE_FILE).read_text())
        except (OSError, ValueError):
            return broker
        broker.port, broker.controller_port, broker.tls_port = state["port"], state["controller_port"], state["tls_port"]
        broker.tls_enabled, broker.cluster_id = state["tls"], state.get("cluster_id")
        broker.sasl_username, broker.sasl_password = state["sasl_username"], state["sasl_password"]
        broker.pid = broker._running_pid()
        return broker

    # internals -----------------------------------------------------------
    def _running_pid(self) -> int | None:
        try:
            pid = int((self.dir / PID_FILE).read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if _pid_alive(pid) and _is_our_broker(pid, self.config_path) else None

    def _wait_exit(self, pid: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.pid == pid:
                try:
                    self._proc.wait(timeout=0.1)  # reap our own child
                    return True
                except subprocess.TimeoutExpired:
                    continue
            if not _pid_alive(pid):
                return True
            time.sleep(0.1)
        return False

    def _pick_ports(self) -> None:
        self.port, self.controller_port, self.tls_port = (p or free_port() for p in self._want)
        ports = [self.port, self.controller_port] + ([self.tls_port] if self.tls_enabled else [])
        if len(set(ports)) != len(ports):
            raise _PortClash()

    def _check_ports_free(self) -> None:
        """Refuse early: otherwise the readiness probe could be answered by some other broker."""
        for port in [self.port, self.controller_port] + ([self.tls_port] if self.tls_enabled else []):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the JVM does: TIME_WAIT is fine
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    if 0 in self._want:
                        raise _PortClash() from None
                    raise KafkaDevError(f"127.0.0.1:{port} is already in use (another broker? "
                                        f"`python dev/kafka.py stop`, or choose other ports)") from None

    def _clean_run_dir(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.data_dir, ignore_errors=True)
        shutil.rmtree(self.dir / "tls", ignore_errors=True)
        for name in ("broker.log", "broker.out", PID_FILE, STATE_FILE):
            (self.dir / name).unlink(missing_ok=True)

    def _make_certs(self) -> None:
        """Self-signed CA + a 127.0.0.1/localhost server cert, as PEM files Kafka reads directly."""
        openssl = shutil.which("openssl")
        if not openssl:
            raise KafkaDevError("`openssl` not found; it is needed to generate the TLS test certificates")
        d = self.dir / "tls"
        d.mkdir(mode=0o700)
        (d / "server.ext").write_text(
            "basicConstraints=CA:FALSE\n"
            "keyUsage=critical,digitalSignature,keyEncipherment\n"
            "extendedKeyUsage=serverAuth\n"
            "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
            "subjectKeyIdentifier=hash\n"
            "authorityKeyIdentifier=keyid,issuer\n"
        )
        steps = [
            ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "30",
             "-subj", "/CN=riskstream dev CA", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
            ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "broker.key", "-out", "broker.csr",
             "-subj", "/CN=localhost"],
            ["x509", "-req", "-in", "broker.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-set_serial", "0x" + secrets.token_hex(8), "-days", "30", "-extfile", "server.ext", "-out", "broker.crt"],
        ]
        for step in steps:
            proc = subprocess.run([openssl, *step], cwd=d, capture_output=True, text=True)
            if proc.returncode != 0:
                raise KafkaDevError(f"openssl {step[0]} failed:\n{_tail(proc.stderr)}")
        # Kafka PEM keystore: unencrypted PKCS#8 key followed by the certificate chain.
        keystore = d / "broker-keystore.pem"
        keystore.write_text("".join((d / f).read_text() for f in ("broker.key", "broker.crt", "ca.pem")))
        keystore.chmod(0o600)

    def _write_config(self) -> None:
        listeners = [f"PLAINTEXT://127.0.0.1:{self.port}", f"CONTROLLER://127.0.0.1:{self.controller_port}"]
        advertised = [f"PLAINTEXT://127.0.0.1:{self.port}"]
        if self.tls_enabled:
            listeners.append(f"SASL_SSL://127.0.0.1:{self.tls_port}")
            advertised.append(f"SASL_SSL://127.0.0.1:{self.tls_port}")
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{self.controller_port}",
            "listeners": ",".join(listeners),
            "advertised.listeners": ",".join(advertised),
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL",
            "log.dirs": str(self.data_dir),
            "num.partitions": "1",
            "default.replication.factor": "1",
            "offsets.topic.replication.factor": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "min.insync.replicas": "1",
            "group.initial.rebalance.delay.ms": "0",
            "auto.create.topics.enable": "true",
            "num.network.threads": "2",
            "num.io.threads": "4",
            # retention and compaction are checked every few seconds (default: minutes), so tests can
            # watch a time bound or a tombstone take effect (topics set their own short bounds to try)
            "log.retention.check.interval.ms": "2000",
            "log.cleaner.backoff.ms": "1000",
        }
        if self.tls_enabled:
            d = self.dir / "tls"
            props.update({
                "sasl.enabled.mechanisms": SCRAM_MECHANISM,
                "listener.name.sasl_ssl.sasl.enabled.mechanisms": SCRAM_MECHANISM,
                "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config":
                    "org.apache.kafka.common.security.scram.ScramLoginModule required;",
                "listener.name.sasl_ssl.ssl.keystore.type": "PEM",
                "listener.name.sasl_ssl.ssl.keystore.location": str(d / "broker-keystore.pem"),
                "listener.name.sasl_ssl.ssl.client.auth": "none",
            })
        self.config_path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        (self.dir / "log4j.properties").write_text(
            "log4j.rootLogger=INFO, file\n"
            "log4j.appender.file=org.apache.log4j.FileAppender\n"
            f"log4j.appender.file.File={self.log_path}\n"
            "log4j.appender.file.Append=true\n"
            "log4j.appender.file.layout=org.apache.log4j.PatternLayout\n"
            "log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n\n"
            "log4j.logger.state.change.logger=WARN\n"
            "log4j.logger.kafka.request.logger=WARN\n"
            "log4j.logger.kafka.authorizer.logger=WARN\n"
        )
        (self.dir / "log4j-tools.properties").write_text(  # StorageTool: warnings to stderr only
            "log4j.rootLogger=WARN, stderr\n"
            "log4j.appender.stderr=org.apache.log4j.ConsoleAppender\n"
            "log4j.appender.stderr.Target=System.err\n"
            "log4j.appender.stderr.layout=org.apache.log4j.PatternLayout\n"
            "log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n\n"
        )

    def _jvm(self, log4j: str = "log4j.properties") -> list[str]:
        return [_java(), f"-Dlog4j.configuration=file:{self.dir / log4j}",
                f"-Dkafka.logs.dir={self.dir}", "-Djava.awt.headless=true", "-cp", str(LIBS / "*")]

    def _format_storage(self) -> None:
        self.cluster_id = _cluster_id()
        cmd = [*self._jvm("log4j-tools.properties"), "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
               "kafka.tools.StorageTool", "format", "-t", self.cluster_id, "-c", str(self.config_path)]
        if self.tls_enabled:
            cmd += ["--add-scram", f"{SCRAM_MECHANISM}=[name={self.sasl_username},password={self.sasl_password}]"]
        proc = subprocess.run(cmd, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            raise KafkaDevError(f"kafka StorageTool format failed (exit {proc.returncode}):\n"
                                f"{_tail(proc.stdout + proc.stderr)}")

    def _launch(self) -> None:
        xms = "256m" if self.heap == "512m" else self.heap
        cmd = [*self._jvm(), f"-Xmx{self.heap}", f"-Xms{xms}", "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
               "-XX:+ExitOnOutOfMemoryError", "kafka.Kafka", str(self.config_path)]
        with open(self.out_path, "ab") as out:
            self._proc = subprocess.Popen(
                cmd, cwd=self.dir, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C in the terminal must not hit the broker mid-test
                preexec_fn=None if self.detach else _die_with_parent,
            )
        self.pid = self._proc.pid
        (self.dir / PID_FILE).write_text(f"{self.pid}\n")

    def _wait_ready(self) -> None:
        deadline, last = time.monotonic() + self.startup_timeout, None
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                self._proc, pid = None, self.pid
                self.pid = None
                (self.dir / PID_FILE).unlink(missing_ok=True)
                full = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
                if "Address already in use" in full or "BindException" in full:
                    raise _PortClash()
                log = _log_excerpt(self.log_path)
                raise KafkaDevError(f"Kafka broker (pid {pid}) exited during startup.\n"
                                    f"--- {self.log_path} ---\n{log}\n--- {self.out_path} ---\n{_file_tail(self.out_path)}")
            try:
                brokers, cluster_id = probe_cluster(self.bootstrap, timeout=1.0)
                if brokers > 0:
                    if cluster_id != self.cluster_id:
                        raise KafkaDevError(f"{self.bootstrap} is answered by another Kafka cluster ({cluster_id})")
                    if self.tls_enabled:
                        probe_tls(self.tls_bootstrap, self.cafile, timeout=2.0)
                    return
                last = "metadata lists no live brokers yet"
            except (OSError, ssl.SSLError, struct.error) as exc:
                last = exc
            time.sleep(0.2)
        log = _log_excerpt(self.log_path)
        raise KafkaDevError(f"Kafka broker did not become ready within {self.startup_timeout:.0f}s "
                            f"(last probe error: {last}).\n--- {self.log_path} ---\n{log}")

    def _write_state(self) -> None:
        state = {"pid": self.pid, "version": KAFKA_VERSION, "port": self.port, "controller_port": self.controller_port,
                 "cluster_id": self.cluster_id, "tls": self.tls_enabled, "tls_port": self.tls_port, "cafile": self.cafile,
                 "sasl_mechanism": SCRAM_MECHANISM, "sasl_username": self.sasl_username,
                 "sasl_password": self.sasl_password}
        path = self.dir / STATE_FILE
        path.write_text(json.dumps(state, indent=2) + "\n")
        path.chmod(0o600)


class _PortClash(Exception):
    """Internal: a picked port was taken between choosing it and the broker binding it."""


# --------------------------------------------------------------------------- CLI


def _print_endpoints(b: KafkaBroker) -> None:
    print(f"bootstrap={b.bootstrap}")
    if b.tls_enabled:
        t = b.tls
        print(f"tls_bootstrap={t.bootstrap}\ncafile={t.cafile}\nsasl_mechanism={t.mechanism}\n"
              f"sasl_username={t.username}\nsasl_password={t.password}")
    print(f"dir={b.dir}\nlog={b.log_path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dev/kafka.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("fetch", help="download the pinned Kafka jars into .cache/kafka/libs")
    start = sub.add_parser("start", help="start a detached single-node KRaft broker")
    stop = sub.add_parser("stop", help="stop the broker and delete its data")
    status = sub.add_parser("status", help="is the broker running and answering?")
    for p in (start, stop, status):
        p.add_argument("--dir", default=str(DEFAULT_DIR), help="run directory (default %(default)s)")
    start.add_argument("--port", type=int, default=DEFAULT_PORT, help="PLAINTEXT port, 0 = free port")
    start.add_argument("--controller-port", type=int, default=None, help=f"default {DEFAULT_CONTROLLER_PORT}")
    start.add_argument("--tls", action="store_true", help="add a SASL_SSL (SCRAM-SHA-512) listener")
    start.add_argument("--tls-port", type=int, default=None, help=f"default {DEFAULT_TLS_PORT}")
    start.add_argument("--timeout", type=float, default=60.0, help="startup timeout in seconds")
    args = parser.parse_args(argv)
    try:
        if args.cmd == "fetch":
            print(fetch())
        elif args.cmd == "start":
            b = KafkaBroker(dir=args.dir, port=args.port, controller_port=args.controller_port, tls=args.tls,
                            tls_port=args.tls_port, startup_timeout=args.timeout, detach=True).start()
            print(f"Kafka {KAFKA_VERSION} started in {b.startup_seconds:.1f}s (pid {b.pid})", file=sys.stderr)
            _print_endpoints(b)
        elif args.cmd == "stop":
            b = KafkaBroker.from_dir(args.dir)
            was = b.pid
            b.stop()
            print(f"stopped (pid {was})" if was else "no broker was running", file=sys.stderr)
        elif args.cmd == "status":
            b = KafkaBroker.from_dir(args.dir)
            if not b.pid:
                print(f"not running ({b.dir})")
                return 1
            try:
                brokers = probe_metadata(b.bootstrap)
            except OSError as exc:
                print(f"pid {b.pid} alive but not answering at {b.bootstrap}: {exc}")
                return 1
            print(f"running pid={b.pid} live_brokers={brokers}")
            _print_endpoints(b)
    except KafkaDevError as exc:
        print(f"dev/kafka.py {args.cmd}: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
