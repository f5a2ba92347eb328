"""The `openduck` Python package without a server: argument parsing, settings, SQL building, discovery."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

import openduck
from openduck import _extension, _target

REPO_ROOT = Path(__file__).resolve().parents[2]


# ----------------------------------------------------------------------------- database forms


@pytest.mark.parametrize(
    "database, name, params",
    [
        ("mydb", "mydb", {}),
        ("od:mydb", "mydb", {}),
        ("openduck:mydb", "mydb", {}),
        ("OpenDuck:mydb", "mydb", {}),
        (
            "openduck:mydb?endpoint=http://h:1&token=abc",
            "mydb",
            {"endpoint": "http://h:1", "token": "abc"},
        ),
        (
            "od:sales_db?token=a%26b%3Dc%27d%25&endpoint=http%3A%2F%2Fh%3A9",
            "sales_db",
            {"token": "a&b=c'd%", "endpoint": "http://h:9"},
        ),
        ("openduck:mydb?connect_timeout=3", "mydb", {"connect_timeout": "3"}),
        ("openduck:mydb?token=a+b", "mydb", {"token": "a b"}),
    ],
)
def test_parse_database_forms(database, name, params):
    target = _target.parse_database(database)
    assert target.database == name
    assert target.params == params


@pytest.mark.parametrize("database", ["", "openduck:", "od:?token=x", "md:mydb", "postgres:mydb"])
def test_parse_database_rejects_bad_forms(database):
    with pytest.raises(ValueError):
        _target.parse_database(database)


def test_parse_database_rejects_non_strings():
    with pytest.raises(TypeError):
        _target.parse_database(42)


# ----------------------------------------------------------------------------- settings precedence


def test_defaults_without_env():
    settings = _target.resolve_settings("mydb", environ={})
    assert (settings.database, settings.endpoint, settings.token) == ("mydb", "http://localhost:7878", None)


def test_env_supplies_token_and_endpoint():
    env = {"OPENDUCK_TOKEN": "env-token", "OPENDUCK_ENDPOINT": "http://env:1"}
    settings = _target.resolve_settings("od:mydb", environ=env)
    assert (settings.endpoint, settings.token) == ("http://env:1", "env-token")


def test_url_params_beat_env():
    env = {"OPENDUCK_TOKEN": "env-token", "OPENDUCK_ENDPOINT": "http://env:1"}
    settings = _target.resolve_settings("openduck:mydb?endpoint=http://url:2&token=url-token", environ=env)
    assert (settings.endpoint, settings.token) == ("http://url:2", "url-token")


def test_keywords_beat_url_params():
    settings = _target.resolve_settings(
        "openduck:mydb?endpoint=http://url:2&token=url-token",
        token="kw-token",
        endpoint="http://kw:3",
        environ={"OPENDUCK_TOKEN": "env-token"},
    )
    assert (settings.endpoint, settings.token) == ("http://kw:3", "kw-token")


def test_other_url_params_are_kept():
    settings = _target.resolve_settings("openduck:mydb?token=t&connect_timeout=2", environ={})
    assert settings.extra_params == {"connect_timeout": "2"}
    assert settings.token == "t"


def test_settings_repr_hides_token():
    settings = _target.resolve_settings("mydb", token="very-secret-value", environ={})
    assert "very-secret-value" not in repr(settings)
    assert "very-secret-value" not in str(settings)


# ----------------------------------------------------------------------------- ATTACH statement


def _only_statement(sql: str):
    statements = duckdb.connect().extract_statements(sql)
    assert len(statements) == 1, sql
    return statements[0]


def test_attach_statement_escapes_every_string_and_the_alias():
    settings = _target.Settings(database="my'db", endpoint="http://h:1/'x", token="to'k\"en", extra_params={})
    sql = _target.attach_statement(settings, alias='we"ird alias', read_only=False)
    statement = _only_statement(sql)
    assert statement.type == duckdb.StatementType.ATTACH
    assert "'openduck:my''db'" in sql
    assert "TOKEN 'to''k\"en'" in sql
    assert "ENDPOINT 'http://h:1/''x'" in sql
    assert 'AS "we""ird alias"' in sql
    assert "TYPE openduck" in sql
    assert "READ_ONLY" not in sql


def test_attach_statement_keeps_token_out_of_the_path():
    settings = _target.Settings(database="mydb", endpoint="http://h:1", token="s3cret", extra_params={"connect_timeout": "2"})
    sql = _target.attach_statement(settings, alias="cloud", read_only=True)
    path = sql.split("'")[1]
    assert path == "openduck:mydb?connect_timeout=2"
    assert sql.count("s3cret") == 1 and "TOKEN 's3cret'" in sql
    assert sql.rstrip(")").endswith("READ_ONLY")
    _only_statement(sql)


def test_attach_statement_without_token_has_no_token_option():
    settings = _target.Settings(database="mydb", endpoint="http://h:1", token=None, extra_params={})
    sql = _target.attach_statement(settings, alias="cloud", read_only=False)
    assert "TOKEN" not in sql
    _only_statement(sql)


# ----------------------------------------------------------------------------- extension discovery


@pytest.mark.parametrize("relative", [str(p) for p in _extension.CANDIDATE_RELATIVE_PATHS])
def test_discovery_walks_up_to_a_build_tree(tmp_path, relative):
    extension = tmp_path / relative
    extension.parent.mkdir(parents=True)
    extension.write_bytes(b"not really an extension")
    deep = tmp_path / "a" / "b" / "c"
    deep.mkdir(parents=True)
    assert _extension.discover([deep]) == extension


def test_discovery_prefers_this_projects_build_tree(tmp_path):
    ours = tmp_path / _extension.CANDIDATE_RELATIVE_PATHS[0]
    seed = tmp_path / _extension.CANDIDATE_RELATIVE_PATHS[1]
    for path in (ours, seed):
        path.parent.mkdir(parents=True)
        path.write_bytes(b"x")
    assert _extension.discover([tmp_path]) == ours


def test_discovery_finds_nothing_in_an_empty_tree(tmp_path):
    assert _extension.discover([tmp_path]) is None


def test_resolution_order_explicit_then_env_then_discovery(tmp_path):
    explicit = tmp_path / "explicit.duckdb_extension"
    from_env = tmp_path / "env.duckdb_extension"
    discovered = tmp_path / "tree" / _extension.CANDIDATE_RELATIVE_PATHS[0]
    discovered.parent.mkdir(parents=True)
    for path in (explicit, from_env, discovered):
        path.write_bytes(b"x")
    env = {"OPENDUCK_EXTENSION_PATH": str(from_env)}
    roots = [tmp_path / "tree"]
    assert _extension.resolve_extension_path(explicit, environ=env, search_roots=roots) == explicit.resolve()
    assert _extension.resolve_extension_path(None, environ=env, search_roots=roots) == from_env.resolve()
    assert _extension.resolve_extension_path(None, environ={}, search_roots=roots) == discovered.resolve()


def test_missing_extension_error_tells_how_to_fix(tmp_path):
    with pytest.raises(openduck.ExtensionNotFoundError) as info:
        _extension.resolve_extension_path(None, environ={}, search_roots=[tmp_path])
    message = str(info.value)
    assert "make build" in message
    assert "OPENDUCK_EXTENSION_PATH" in message
    assert isinstance(info.value, FileNotFoundError)


def test_env_path_that_does_not_exist_is_named(tmp_path):
    missing = tmp_path / "nope.duckdb_extension"
    with pytest.raises(openduck.ExtensionNotFoundError) as info:
        _extension.resolve_extension_path(None, environ={"OPENDUCK_EXTENSION_PATH": str(missing)})
    assert str(missing) in str(info.value)
    assert "OPENDUCK_EXTENSION_PATH" in str(info.value)


def test_public_extension_path_uses_env(tmp_path, monkeypatch):
    fake = tmp_path / "openduck.duckdb_extension"
    fake.write_bytes(b"x")
    monkeypatch.setenv("OPENDUCK_EXTENSION_PATH", str(fake))
    assert openduck.extension_path() == str(fake.resolve())


def test_public_extension_path_discovers_from_cwd(tmp_path, monkeypatch):
    monkeypatch.delenv("OPENDUCK_EXTENSION_PATH", raising=False)
    fake = tmp_path / _extension.CANDIDATE_RELATIVE_PATHS[1]
    fake.parent.mkdir(parents=True)
    fake.write_bytes(b"x")
    monkeypatch.chdir(tmp_path)
    found = Path(openduck.extension_path())
    # The package's own ancestors are searched first; without a build there, the cwd tree wins.
    repo_build = REPO_ROOT / _extension.CANDIDATE_RELATIVE_PATHS[0]
    assert found == (repo_build.resolve() if repo_build.is_file() else fake.resolve())


# ----------------------------------------------------------------------------- connect() without a server


def test_connect_with_missing_extension_fails_clearly(tmp_path, monkeypatch):
    monkeypatch.setenv("OPENDUCK_TOKEN", "tok-never-shown")
    missing = tmp_path / "missing.duckdb_extension"
    with pytest.raises(openduck.ExtensionNotFoundError) as info:
        openduck.connect("mydb", extension_path=missing)
    assert str(missing) in str(info.value)
    assert "make build" in str(info.value)
    assert "tok-never-shown" not in str(info.value)


def test_connect_with_a_broken_extension_file_raises_duckdb_error(tmp_path):
    broken = tmp_path / "openduck.duckdb_extension"
    broken.write_bytes(b"this is not a shared library")
    with pytest.raises(duckdb.Error) as info:
        openduck.connect("mydb", token="tok-never-shown", extension_path=broken)
    assert "tok-never-shown" not in str(info.value)


def test_connect_rejects_empty_alias(tmp_path):
    with pytest.raises(ValueError):
        openduck.connect("mydb", alias="", extension_path=tmp_path / "x")


def test_connect_does_not_print_the_token(tmp_path, capsys):
    broken = tmp_path / "openduck.duckdb_extension"
    broken.write_bytes(b"junk")
    with pytest.raises(duckdb.Error):
        openduck.connect("openduck:mydb?token=tok-url-secret", extension_path=broken)
    captured = capsys.readouterr()
    assert "tok-url-secret" not in captured.out + captured.err


def test_version_matches_pyproject():
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        pytest.fail("Python 3.11+ expected in the project venv")
    pyproject = tomllib.loads((REPO_ROOT / "clients" / "python" / "pyproject.toml").read_text())
    assert openduck.__version__ == pyproject["project"]["version"]


def test_public_api():
    assert callable(openduck.connect)
    assert callable(openduck.extension_path)
    assert set(openduck.__all__) >= {"connect", "extension_path", "__version__"}
