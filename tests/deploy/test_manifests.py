"""The deploy/ recipes are valid and consistent: compose against the Compose spec, Kubernetes
manifests against the Kubernetes OpenAPI schemas (offline), and every name they share (secrets,
config keys, services, replica-set members) resolves."""
from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import kubernetes_validate
import pytest
import yaml
from compose_spec import PyCompose

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
K8S = DEPLOY / "k8s"
K8S_VERSION = "1.30.0"
MANIFESTS = sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")

# --- docker compose ---------------------------------------------------------------------------------

_VAR = re.compile(r"\$\$|\$\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
                  r"|\$(?P<bare>[A-Za-z_][A-Za-z0-9_]*)")


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose-style variable interpolation (what `docker compose` does before validating)."""

    def sub(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("braced") or match.group("bare")
        op, arg = match.group("op"), match.group("arg") or ""
        value = env.get(name)
        if op in (":-", "-"):
            return value if (value if op == ":-" else value is not None) else arg
        if op in (":?", "?"):
            if not (value if op == ":?" else value is not None):
                raise ValueError(f"required variable {name}: {arg}")
            return value  # type: ignore[return-value]
        if op in (":+", "+"):
            return arg if (value if op == ":+" else value is not None) else ""
        return value or ""

    return _VAR.sub(sub, text)


def load_compose(env: dict[str, str] | None = None) -> dict:
    return yaml.safe_load(interpolate((DEPLOY / "docker-compose.yml").read_text(), env or {}))


@pytest.mark.parametrize(
    ("text", "env", "expected"),
    [
        ("${A:-x}", {}, "x"),
        ("${A:-x}", {"A": "y"}, "y"),
        ("${A:-x}", {"A": ""}, "x"),
        ("${A-x}", {"A": ""}, ""),
        ("$$(cat f)", {}, "$(cat f)"),
        ("$A/${B}", {"A": "1", "B": "2"}, "1/2"),
    ],
    ids=["default", "set", "empty-colon", "empty-no-colon", "escaped", "bare-and-braced"],
)
def test_interpolation_helper(text: str, env: dict[str, str], expected: str) -> None:
    assert interpolate(text, env) == expected


def test_compose_file_follows_the_compose_spec() -> None:
    # PyYAML resolves the `<<` merge keys (as compose does); compose_spec checks the result.
    compose = PyCompose.from_json(json.dumps(load_compose()))
    assert set(compose.service_names()) == {"redis", "mongo", "mongo-init", "worker", "scrapyd"}


def test_schema_check_rejects_a_broken_compose_file() -> None:
    """Negative control: the validator above really validates."""
    text = interpolate((DEPLOY / "docker-compose.yml").read_text(), {})
    with pytest.raises(ValueError):
        PyCompose.from_json(json.dumps(yaml.safe_load(text.replace("    healthcheck:", "    healthchek:", 1))))
    with pytest.raises(ValueError):
        PyCompose.from_json(json.dumps(yaml.safe_load(text.replace("replicas: 4", "replicas: four", 1))))


def _docker_compose_available() -> bool:
    if shutil.which("docker") is None:
        return False
    return subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0


@pytest.mark.skipif(not _docker_compose_available(), reason="the docker compose plugin is not installed here")
def test_docker_compose_config(tmp_path: Path) -> None:
    subprocess.run([str(DEPLOY / "make-secrets.sh"), str(tmp_path / "secrets")], check=True, capture_output=True)
    result = subprocess.run(
        ["docker", "compose", "-f", str(DEPLOY / "docker-compose.yml"), "config", "--quiet"],
        capture_output=True, text=True, env={**os.environ, "CRAWL_ID": "c1", "SEEDS": "https://example.org/"},
    )
    assert result.returncode == 0, result.stderr


def test_worker_count_comes_from_the_environment() -> None:
    assert load_compose({"WORKERS": "7"})["services"]["worker"]["deploy"]["replicas"] == 7
    assert load_compose({})["services"]["worker"]["deploy"]["replicas"] == 4
    command = load_compose({"CRAWL_ID": "daily-2026-03-09"})["services"]["worker"]["command"]
    assert command[:3] == ["scrapy", "crawl", "links"]
    assert "crawl_id=daily-2026-03-09" in command


def test_compose_references_resolve() -> None:
    compose = load_compose()
    services, secrets = compose["services"], compose["secrets"]
    for name, service in services.items():
        for secret in service.get("secrets", []):
            assert secret in secrets, (name, secret)
        for dep in service.get("depends_on", {}):
            assert dep in services, (name, dep)
        for net in service.get("networks", []):
            assert net in compose["networks"], (name, net)
        for env_name, value in (service.get("environment") or {}).items():
            if env_name.endswith("_FILE"):
                assert value.removeprefix("/run/secrets/") in service["secrets"], (name, env_name)
    for name, secret in secrets.items():
        assert secret["file"].startswith("./secrets/"), name
    build = services["worker"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).is_file()
    assert (DEPLOY / "mongo" / "init-replica-set.js").is_file()


def test_compose_keeps_backends_private_and_secrets_out() -> None:
    compose = load_compose()
    services = compose["services"]
    assert compose["networks"]["backend"]["internal"] is True
    for name in ("redis", "mongo", "mongo-init"):
        assert services[name]["networks"] == ["backend"], name
        assert "ports" not in services[name], name
    published = {name: s["ports"] for name, s in services.items() if "ports" in s}
    assert published == {"scrapyd": ["127.0.0.1:6800:6800"]}
    assert services["scrapyd"]["environment"]["SCRAPYD_PASSWORD_FILE"]
    # Credentials only ever arrive as *_FILE paths to mounted secrets.
    sensitive = re.compile(r"PASSWORD|AUTH|USERNAME")
    for name, service in services.items():
        for env_name, value in (service.get("environment") or {}).items():
            if env_name.endswith("_FILE"):
                continue
            assert not sensitive.search(env_name), f"{name}: {env_name} should be a *_FILE secret"
            assert "@" not in str(value), f"{name}: {env_name} carries credentials"


def test_generated_secrets_are_git_ignored() -> None:
    result = subprocess.run(["git", "check-ignore", "-q", "deploy/secrets/redis_password"], cwd=REPO)
    assert result.returncode == 0
    tracked = subprocess.run(["git", "ls-files", "deploy/secrets"], cwd=REPO, capture_output=True, text=True)
    assert tracked.stdout.split() in ([], ["deploy/secrets/.gitignore"])


# --- generated credentials and the image entrypoint ---------------------------------------------------


def test_make_secrets_is_idempotent_and_consistent(tmp_path: Path) -> None:
    out = tmp_path / "secrets"
    subprocess.run([str(DEPLOY / "make-secrets.sh"), str(out)], check=True, capture_output=True)
    first = {p.name: p.read_text() for p in out.iterdir()}
    subprocess.run([str(DEPLOY / "make-secrets.sh"), str(out)], check=True, capture_output=True)
    assert {p.name: p.read_text() for p in out.iterdir()} == first
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert len(first["redis_password"]) == 48 and re.fullmatch(r"[0-9a-f]+", first["redis_password"])
    assert 6 <= len(first["mongo_keyfile"]) <= 1024
    redis_url = urlsplit(first["redis_url"])
    assert (redis_url.hostname, redis_url.password) == ("redis", first["redis_password"])
    mongo = urlsplit(first["mongo_uri"])
    assert (mongo.hostname, mongo.username, mongo.password) == ("mongo", "linkspider", first["mongo_app_password"])
    assert parse_qs(mongo.query) == {"replicaSet": ["rs0"], "authSource": ["linkspider"]}
    other = tmp_path / "other"
    subprocess.run([str(DEPLOY / "make-secrets.sh"), str(other)], check=True, capture_output=True)
    assert (other / "redis_password").read_text() != first["redis_password"]


@pytest.mark.parametrize("var", ["REDIS_URL", "MONGO_URI", "SCRAPYD_PASSWORD"])
def test_entrypoint_loads_file_secrets(tmp_path: Path, var: str) -> None:
    secret = tmp_path / "secret"
    secret.write_text("value-from-the-secret\n")
    env = {"PATH": os.environ["PATH"], f"{var}_FILE": str(secret), var: "overridden"}
    result = subprocess.run(["sh", str(DEPLOY / "docker" / "entrypoint.sh"), "sh", "-c",
                             f'printf "%s|%s" "${var}" "${{{var}_FILE:-unset}}"'],
                            env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "value-from-the-secret|unset"


def test_entrypoint_fails_on_an_unreadable_secret(tmp_path: Path) -> None:
    env = {"PATH": os.environ["PATH"], "MONGO_URI_FILE": str(tmp_path / "missing")}
    result = subprocess.run(["sh", str(DEPLOY / "docker" / "entrypoint.sh"), "true"], env=env,
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "MONGO_URI_FILE" in result.stderr


# --- Kubernetes -------------------------------------------------------------------------------------


def _docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def _all_docs() -> list[dict]:
    return [doc for path in MANIFESTS for doc in _docs(path)]


@pytest.mark.parametrize("path", MANIFESTS, ids=[p.name for p in MANIFESTS])
def test_manifest_is_valid_kubernetes(path: Path) -> None:
    for doc in _docs(path):
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


@pytest.mark.parametrize(
    ("mutate", "error"),
    [
        (lambda d: d["spec"]["template"]["spec"]["containers"][0].update(imagePullPolicyy="Always"),
         kubernetes_validate.ValidationError),
        (lambda d: d["spec"].update(parallelism="four"), kubernetes_validate.ValidationError),
    ],
    ids=["unknown-field", "wrong-type"],
)
def test_schema_check_rejects_broken_manifests(mutate, error) -> None:
    """Negative control: the offline schema check really rejects mistakes."""
    doc = _docs(K8S / "worker-job.yaml")[0]
    mutate(doc)
    with pytest.raises(error):
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == [p.name for p in MANIFESTS]


def _walk(node, visit) -> None:
    if isinstance(node, dict):
        visit(node)
        for value in node.values():
            _walk(value, visit)
    elif isinstance(node, list):
        for value in node:
            _walk(value, visit)


def _secret_refs() -> set[tuple[str, str]]:
    refs: set[tuple[str, str]] = set()

    def visit(node: dict) -> None:
        if "secretKeyRef" in node:
            refs.add((node["secretKeyRef"]["name"], node["secretKeyRef"]["key"]))
        if "secret" in node and isinstance(node["secret"], dict) and "secretName" in node["secret"]:
            for item in node["secret"].get("items", []):
                refs.add((node["secret"]["secretName"], item["key"]))

    _walk(_all_docs(), visit)
    return refs


@pytest.fixture(scope="module")
def created_secrets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """Run make-secrets.sh and create-secrets.sh against a stand-in kubectl that records the Secrets."""
    root = tmp_path_factory.mktemp("k8s-secrets")
    subprocess.run([str(DEPLOY / "make-secrets.sh"), str(root / "secrets")], check=True, capture_output=True)
    bin_dir = root / "bin"
    bin_dir.mkdir()
    record = root / "kubectl.log"
    fake = bin_dir / "kubectl"
    fake.write_text(f'#!/bin/sh\nif [ "$3" = create ]; then echo "$*" >> {record}; fi\ncat >/dev/null || true\n')
    fake.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    result = subprocess.run([str(K8S / "create-secrets.sh"), str(root / "secrets")], env=env,
                            capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    secrets: dict[str, dict[str, str]] = {}
    for line in record.read_text().splitlines():
        args = line.split()
        name = args[args.index("generic") + 1]
        secrets[name] = {}
        for arg in args:
            if arg.startswith("--from-file="):
                key, path = arg.removeprefix("--from-file=").split("=", 1)
                secrets[name][key] = Path(path).read_text() if Path(path).exists() else "(temp)"
    return secrets


def test_every_secret_reference_is_created(created_secrets: dict[str, dict[str, str]]) -> None:
    refs = _secret_refs()
    assert refs, "no secret references found"
    missing = {(n, k) for n, k in refs if k not in created_secrets.get(n, {})}
    assert not missing, missing
    assert not [d for d in _all_docs() if d["kind"] == "Secret"], "Secrets must not live in the repo"


def test_config_map_references_resolve() -> None:
    maps = {d["metadata"]["name"]: d["data"] for d in _all_docs() if d["kind"] == "ConfigMap"}
    refs: set[tuple[str, str]] = set()

    def visit(node: dict) -> None:
        if "configMapKeyRef" in node:
            refs.add((node["configMapKeyRef"]["name"], node["configMapKeyRef"]["key"]))
        if "configMap" in node and isinstance(node["configMap"], dict):
            for item in node["configMap"].get("items", []):
                refs.add((node["configMap"]["name"], item["key"]))
            refs.add((node["configMap"]["name"], ""))

    _walk(_all_docs(), visit)
    for name, key in refs:
        assert name in maps, name
        assert key == "" or key in maps[name], (name, key)


def test_services_select_workloads_and_nothing_is_public() -> None:
    docs = _all_docs()
    pod_labels = [
        d["spec"]["template"]["metadata"]["labels"] for d in docs if d["kind"] in ("Deployment", "StatefulSet")
    ]
    for svc in (d for d in docs if d["kind"] == "Service"):
        assert svc["spec"].get("type", "ClusterIP") == "ClusterIP", svc["metadata"]["name"]
        selector = svc["spec"]["selector"]
        assert any(selector.items() <= labels.items() for labels in pod_labels), svc["metadata"]["name"]
    services = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}
    for sts in (d for d in docs if d["kind"] == "StatefulSet"):
        headless = services[sts["spec"]["serviceName"]]
        assert headless["spec"]["clusterIP"] == "None"
        assert sts["spec"]["selector"]["matchLabels"].items() <= sts["spec"]["template"]["metadata"]["labels"].items()


def test_replica_set_members_match_the_stateful_set(created_secrets: dict[str, dict[str, str]]) -> None:
    docs = {(d["kind"], d["metadata"]["name"]): d for d in _all_docs()}
    sts = docs[("StatefulSet", "mongo")]
    expected = [f"mongo-{i}.mongo:27017" for i in range(sts["spec"]["replicas"])]
    job = docs[("Job", "mongo-init")]
    env = {e["name"]: e.get("value") for e in job["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["RS_MEMBERS"].split(",") == expected
    assert env["RS_NAME"] == "rs0"
    assert "--replSet rs0" in sts["spec"]["template"]["spec"]["containers"][0]["args"][0]


def test_mongo_init_config_map_is_the_shipped_script() -> None:
    config = next(d for d in _docs(K8S / "mongo-init.yaml") if d["kind"] == "ConfigMap")
    shipped = (DEPLOY / "mongo" / "init-replica-set.js").read_text()
    assert config["data"]["init-replica-set.js"] == shipped


def test_recurring_runs_take_their_crawl_id_from_the_job() -> None:
    cron = next(d for d in _docs(K8S / "recurring-cronjob.yaml") if d["kind"] == "CronJob")
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    container = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e for e in container["env"]}
    assert env["CRAWL_ID"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.labels['job-name']"
    assert "crawl_id=$(CRAWL_ID)" in container["args"]


# --- scrapyd configuration -----------------------------------------------------------------------------


def _ini(path: Path):
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    parser.read(path)
    return parser


def test_default_scrapyd_config_is_loopback_only() -> None:
    conf = _ini(DEPLOY / "scrapyd" / "scrapyd.conf")["scrapyd"]
    assert conf["bind_address"] == "127.0.0.1"
    assert conf["username"] == conf["password"] == ""


def test_public_scrapyd_config_holds_no_credentials() -> None:
    conf = _ini(DEPLOY / "scrapyd" / "scrapyd-public.conf")
    assert conf["scrapyd"]["bind_address"] == "0.0.0.0"
    assert conf["scrapyd"]["username"] == conf["scrapyd"]["password"] == ""
    assert conf["settings"]["linkspider"] == "linkspider.settings"
