#!/usr/bin/env bash
# Installs every dependency OpenDuck needs, idempotently: Debian packages, the
# pinned prebuilt DuckDB (headers, libduckdb.so, wheel, CLI, tpch/quack
# extensions) and the Python virtualenv. See docs/dependencies.md for reasons.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
version="$(tr -d ' \n' < duckdb.version)"
third_party="$root/third_party/duckdb-$version"

log() { echo "[install_deps] $*" >&2; }

apt_packages=(g++ cmake ninja-build pkg-config libgrpc++-dev libprotobuf-dev protobuf-compiler
	protobuf-compiler-grpc libflatbuffers-dev flatbuffers-compiler libgtest-dev libsqlite3-dev
	libssl-dev libpq-dev libcurl4-openssl-dev curl unzip postgresql)
missing=()
for p in "${apt_packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	log "installing Debian packages: ${missing[*]}"
	sudo_cmd=""
	[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
	$sudo_cmd apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

mkdir -p "$third_party"
download_dir="$third_party/download"
mkdir -p "$download_dir"

# C++ headers: the PyPI sdist of duckdb carries the full source tree of the release.
if [ ! -f "$third_party/include/duckdb.hpp" ]; then
	log "fetching DuckDB $version headers (PyPI sdist)"
	sdist="$download_dir/duckdb-$version.tar.gz"
	if [ ! -f "$sdist" ]; then
		url="$(curl -fsSL https://pypi.org/simple/duckdb/ | grep -o "https://[^\"#]*/duckdb-$version\.tar\.gz" | head -1)"
		[ -n "$url" ] || { log "no sdist for duckdb $version on PyPI"; exit 1; }
		curl -fsSL -o "$sdist.part" "$url" && mv "$sdist.part" "$sdist"
	fi
	rm -rf "$third_party/include.part"
	mkdir -p "$third_party/include.part"
	tar -xzf "$sdist" -C "$third_party/include.part" --strip-components=5 \
		"duckdb-$version/external/duckdb/src/include"
	rm -rf "$third_party/include" && mv "$third_party/include.part" "$third_party/include"
fi

# libduckdb.so with the C++ API exported: the npm node bindings ship it.
if [ ! -f "$third_party/lib/libduckdb.so" ]; then
	log "fetching libduckdb.so $version (npm @duckdb/node-bindings-linux-x64)"
	npm_version="$(npm view "@duckdb/node-bindings-linux-x64" versions --json |
		python3 -c "import json,sys; v=[x for x in json.load(sys.stdin) if x.startswith('$version-')]; print(v[-1] if v else '')")"
	[ -n "$npm_version" ] || { log "no node bindings for $version on npm"; exit 1; }
	(cd "$download_dir" && npm pack --silent "@duckdb/node-bindings-linux-x64@$npm_version" >/dev/null)
	mkdir -p "$third_party/lib"
	tar -xzf "$download_dir"/duckdb-node-bindings-linux-x64-"$npm_version".tgz -C "$download_dir"
	cp "$download_dir/package/libduckdb.so" "$third_party/lib/libduckdb.so"
fi

# Python virtualenv: the pinned wheel and CLI, test and client packages.
if [ ! -x .venv/bin/python ]; then
	log "creating .venv"
	python3 -m venv .venv
fi
want="duckdb==$version duckdb-cli==$version duckdb-extension-tpch==$version duckdb-extension-quack==$version duckdb-extension-httpfs==$version"
stamp=".venv/.openduck-deps-$version"
if [ ! -f "$stamp" ] || [ scripts/install_deps.sh -nt "$stamp" ] || [ clients/python/pyproject.toml -nt "$stamp" ]; then
	log "installing Python packages"
	.venv/bin/pip install -q $want pyarrow grpcio grpcio-tools grpcio-health-checking pytest pytest-timeout pandas 'moto[server]'
	.venv/bin/pip install -q --no-deps -e clients/python
	touch "$stamp"
fi
ln -sf "$root/.venv/bin/duckdb" "$third_party/duckdb-cli" 2>/dev/null || true
log "dependencies ready (DuckDB $version)"
