#!/usr/bin/env python3
"""Static checks of docker/ (issue #16), run by tests/ops/compose_test.sh.

usage: compose_check.py ROOT SUBCOMMAND
  required STAGE   prints "NAME nonempty" (`${NAME:?...}`) or "NAME declared"
                   (`${NAME?...}`: set, may be empty) for each variable stage STAGE requires
                   that its .env example leaves empty: the secrets the operator must supply
                   (the shell test checks that each one missing stops docker-compose)
  files            prints "STAGE" per stage file found
  env FILE [SERVICE]  the SchoolHub services of a resolved `docker-compose config` FILE, or
                   the environment of one (NUL-separated NAME=VALUE)
  check            every check below; prints one line per problem, exit 1 if any

The checks (no Docker engine needed):
  - each docker/compose/stageN.yml has a stageN.env.example, and both name the same
    variables: every `${NAME}` the file uses is in the example, every key of the example is
    used (no dead settings on either side);
  - a secret (a name with SECRET, PASSWORD, TOKEN or KEY, or the password of a URL such as
    DATABASE_URL) never has a default nor a value in the file: only
    `${NAME:?message}` (or `${NAME?message}`, "declared, may be empty", for an optional SMTP
    password), never `${NAME:-...}`, `${NAME-...}` or a bare `${NAME}`;
  - every setting of the server these files set (the environment of the SchoolHub services,
    the keys of the examples and the Dockerfile's ENV that look like one: SCHOOLHUB_*, SEL_*,
    DATABASE_URL, REDIS_URL) is documented in docs/CONFIG.md AND read by the server (its name
    as a string literal in src/); every environment key of a SchoolHub service is one;
  - every bind-mounted file of the repository exists; a stage that mounts the tested
    docker/nginx/schoolhub.conf or docker/monitoring/prometheus.yml runs its instances on the
    very ports their upstreams and scrape targets name;
  - docker/Dockerfile: Debian 12 slim for every stage; packages only through
    scripts/lib/common.sh's lists (SH_RUNTIME_PACKAGES to build, SH_IMAGE_PACKAGES to run),
    no apt-get install of its own; npm ci with the committed lockfile; a non-root USER;
    a HEALTHCHECK on /ready; a VOLUME for /data; SCHOOLHUB_ENV=production;
  - .dockerignore keeps web/node_modules and the local builds out of the build context;
  - .github/workflows/ci.yml runs .ci/run in a Debian 12 container as root, with at least
    45 minutes, and caches nothing.
"""
import glob
import os
import re
import sys

import yaml

SERVER_VAR = re.compile(r"^(SCHOOLHUB_[A-Z0-9_]+|SEL_[A-Z0-9_]+|DATABASE_URL|REDIS_URL)$")
SECRET_VAR = re.compile(r"SECRET|PASSWORD|TOKEN|KEY")
REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?][^}]*)?\}")
SCHOOLHUB_DOCKERFILE = "docker/Dockerfile"


def stage_files(root):
    out = []
    for path in sorted(glob.glob(os.path.join(root, "docker/compose/stage*.yml"))):
        m = re.match(r"stage(\d+)\.yml$", os.path.basename(path))
        if m:
            out.append((m.group(1), path))
    return out


def read_example(path):
    """KEY -> value of a .env example (comments and blank lines skipped)."""
    keys = {}
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", line)
            if not m:
                raise ValueError(f"{path}:{n}: not KEY=value")
            keys[m.group(1)] = m.group(2)
    return keys


def environment_of(service):
    env = service.get("environment") or {}
    if isinstance(env, list):
        return {e.split("=", 1)[0]: (e.split("=", 1)[1] if "=" in e else None) for e in env}
    return dict(env)


def is_schoolhub_service(service):
    build = service.get("build")
    return isinstance(build, dict) and build.get("dockerfile") == SCHOOLHUB_DOCKERFILE


class Checker:
    def __init__(self, root):
        self.root = root
        self.problems = []
        text = []
        for path in glob.glob(os.path.join(root, "src/**/*.[ch]"), recursive=True):
            with open(path, encoding="utf-8", errors="replace") as f:
                text.append(f.read())
        self.sources = "\n".join(text)
        with open(os.path.join(root, "docs/CONFIG.md"), encoding="utf-8") as f:
            self.config_md = f.read()

    def problem(self, where, what):
        self.problems.append(f"{where}: {what}")

    def check_setting(self, where, name):
        if not re.search(r"^\| `" + re.escape(name) + r"` \|", self.config_md, re.M):
            self.problem(where, f"{name} is not documented in docs/CONFIG.md (a dead or misspelt setting)")
        if f'"{name}"' not in self.sources:
            self.problem(where, f"{name} is not read by the server (no \"{name}\" in src/)")

    def check_stage(self, stage, path):
        rel = os.path.relpath(path, self.root)
        example_path = os.path.join(os.path.dirname(path), f"stage{stage}.env.example")
        if not os.path.exists(example_path):
            self.problem(rel, f"no stage{stage}.env.example beside it")
            return
        example = read_example(example_path)
        ex_rel = os.path.relpath(example_path, self.root)
        with open(path, encoding="utf-8") as f:
            raw = f.read()
        doc = yaml.safe_load(raw)

        refs = {}
        for m in REF.finditer(raw):
            refs.setdefault(m.group(1), set()).add(m.group(2) or "")
        for name in sorted(set(refs) - set(example)):
            self.problem(rel, f"uses ${{{name}}}, which {ex_rel} does not list")
        # COMPOSE_* keys are docker-compose's own (COMPOSE_PROJECT_NAME names the volumes).
        for name in sorted(set(example) - set(refs) - {k for k in example if k.startswith("COMPOSE_")}):
            self.problem(ex_rel, f"sets {name}, which {rel} never uses (a dead setting)")
        for name, forms in sorted(refs.items()):
            if SECRET_VAR.search(name):
                for form in forms:
                    if not (form.startswith(":?") or form.startswith("?")):
                        self.problem(rel, f"the secret {name} has a default or may be unset "
                                          f"(${{{name}{form}}}): use ${{{name}:?message}}")

        for key, value in example.items():
            if SECRET_VAR.search(key) and value != "":
                self.problem(ex_rel, f"the secret {key} has a value in the example")
            if SERVER_VAR.match(key):
                self.check_setting(ex_rel, key)

        services = (doc or {}).get("services") or {}
        self.check_front(rel, services)
        if not any(is_schoolhub_service(s) for s in services.values()):
            self.problem(rel, f"no service is built from {SCHOOLHUB_DOCKERFILE}")
        for sname, service in services.items():
            env = environment_of(service)
            for key, value in env.items():
                if is_schoolhub_service(service) or SERVER_VAR.match(key):
                    self.check_setting(f"{rel} ({sname})", key)
                if SECRET_VAR.search(key) and not REF.fullmatch(str(value or "")):
                    self.problem(f"{rel} ({sname})", f"the secret {key} is written in the file")
                # A password inside a URL (DATABASE_URL) comes from a variable as well.
                userinfo = re.search(r"://[^/@\s]*?:([^@\n]*)@", str(value or ""))
                ref = REF.fullmatch(userinfo.group(1)) if userinfo else None
                if userinfo and not (ref and (ref.group(2) or "").startswith((":?", "?"))):
                    self.problem(f"{rel} ({sname})", f"{key} holds a password written in the file")
            for vol in service.get("volumes") or []:
                src = vol.split(":", 1)[0] if isinstance(vol, str) else (vol.get("source") or "")
                if src.startswith("."):
                    full = os.path.normpath(os.path.join(os.path.dirname(path), src))
                    if not os.path.exists(full):
                        self.problem(f"{rel} ({sname})", f"mounts {src}, which does not exist")

    def check_front(self, rel, services):
        """A stage that mounts docker/nginx/schoolhub.conf or docker/monitoring/prometheus.yml
        (stage 4) runs its instances where those tested files look for them: the upstreams'
        and the scrape targets' 127.0.0.1 ports are exactly the instances' ports."""
        mounts = set()
        for service in services.values():
            for vol in service.get("volumes") or []:
                if isinstance(vol, str):
                    mounts.add(os.path.normpath(vol.split(":", 1)[0]))
        http, realtime = set(), set()
        for service in services.values():
            if is_schoolhub_service(service):
                env = environment_of(service)
                port = str(env.get("SCHOOLHUB_PORT", "8080"))
                http.add(port)
                realtime.add(str(env.get("SCHOOLHUB_REALTIME_PORT", int(port) + 1)))
        if os.path.normpath("../nginx/schoolhub.conf") in mounts:
            with open(os.path.join(self.root, "docker/nginx/schoolhub.conf"), encoding="utf-8") as f:
                conf = f.read()
            for name, want in (("schoolhub_http", http), ("schoolhub_realtime", realtime)):
                block = re.search(r"upstream " + name + r" \{(.*?)\}", conf, re.S)
                have = set(re.findall(r"server 127\.0\.0\.1:(\d+)", block.group(1) if block else ""))
                if have != want:
                    self.problem(rel, f"the instances' ports {sorted(want)} are not nginx's "
                                      f"upstream {name} {sorted(have)} (docker/nginx/schoolhub.conf)")
        if os.path.normpath("../monitoring/prometheus.yml") in mounts:
            with open(os.path.join(self.root, "docker/monitoring/prometheus.yml"), encoding="utf-8") as f:
                prom = yaml.safe_load(f)
            have = set()
            for job in prom.get("scrape_configs") or []:
                if job.get("job_name") == "schoolhub":
                    for sc in job.get("static_configs") or []:
                        have |= {t.split(":")[1] for t in sc.get("targets") or []
                                 if t.startswith("127.0.0.1:")}
            if have != http:
                self.problem(rel, f"the instances' ports {sorted(http)} are not Prometheus' "
                                  f"targets {sorted(have)} (docker/monitoring/prometheus.yml)")

    def check_dockerfile(self):
        rel = SCHOOLHUB_DOCKERFILE
        with open(os.path.join(self.root, rel), encoding="utf-8") as f:
            lines = f.read().replace("\\\n", " ").splitlines()
        instr = [l.strip() for l in lines if l.strip() and not l.strip().startswith("#")]
        stages, current = [], None
        for line in instr:
            word = line.split(None, 1)[0].upper()
            if word == "FROM":
                current = {"from": line.split()[1], "lines": []}
                stages.append(current)
            elif current is not None:
                current["lines"].append(line)
        if len(stages) < 2:
            self.problem(rel, "not a multi-stage build")
            return
        for s in stages:
            if s["from"] != "debian:12-slim":
                self.problem(rel, f"FROM {s['from']}: every stage is debian:12-slim")
        whole = "\n".join(instr)
        if re.search(r"apt(-get)?\s+install", whole):
            self.problem(rel, "installs packages with its own apt-get list: use "
                              "scripts/lib/common.sh's sh_install_packages and lists")
        build, final = "\n".join(stages[0]["lines"]), "\n".join(stages[-1]["lines"])
        if 'sh_install_packages "${SH_RUNTIME_PACKAGES[@]}"' not in build:
            self.problem(rel, "the build stage does not install SH_RUNTIME_PACKAGES")
        if 'sh_install_packages "${SH_IMAGE_PACKAGES[@]}"' not in final:
            self.problem(rel, "the run-time stage does not install SH_IMAGE_PACKAGES")
        if not re.search(r"^COPY web/package\.json web/package-lock\.json web/$", build, re.M) \
                or not re.search(r"\bnpm ci\b", build):
            self.problem(rel, "web/ is not installed with npm ci from the committed lockfile")
        users = [l.split(None, 1)[1].strip() for l in stages[-1]["lines"] if l.upper().startswith("USER ")]
        if not users or users[-1].split(":")[0] in ("root", "0"):
            self.problem(rel, "the image runs as root (no USER, or USER root)")
        hc = [l for l in stages[-1]["lines"] if l.upper().startswith("HEALTHCHECK ")]
        if not hc or "/ready" not in hc[-1]:
            self.problem(rel, "no HEALTHCHECK on /ready")
        if not re.search(r"^VOLUME\s+\[?\"?/data\"?\]?$", final, re.M):
            self.problem(rel, "no VOLUME /data")
        env = {}
        for l in stages[-1]["lines"]:
            if l.upper().startswith("ENV "):
                for m in re.finditer(r"([A-Za-z_][A-Za-z0-9_]*)=(\S+)", l):
                    env[m.group(1)] = m.group(2)
        if env.get("SCHOOLHUB_ENV") != "production":
            self.problem(rel, "SCHOOLHUB_ENV=production is not set")
        if env.get("SCHOOLHUB_DATA_DIR") != "/data":
            self.problem(rel, "SCHOOLHUB_DATA_DIR is not the volume /data")
        for key in env:
            self.check_setting(rel, key)

    def check_dockerignore(self):
        path = os.path.join(self.root, ".dockerignore")
        if not os.path.exists(path):
            self.problem(".dockerignore", "missing: web/node_modules and build/ would enter the image")
            return
        with open(path, encoding="utf-8") as f:
            pats = {l.strip().lstrip("/") for l in f if l.strip() and not l.startswith("#")}
        for need in ("web/node_modules", "build*", ".git"):
            if need not in pats:
                self.problem(".dockerignore", f"does not keep {need} out of the build context")

    def check_ci(self):
        rel = ".github/workflows/ci.yml"
        with open(os.path.join(self.root, rel), encoding="utf-8") as f:
            raw = f.read()
        jobs = (yaml.safe_load(raw) or {}).get("jobs") or {}
        runs = [j for j in jobs.values()
                if any(".ci/run" in str(step.get("run", "")) for step in j.get("steps") or [])]
        if not runs:
            self.problem(rel, "no job runs .ci/run (scripts/test.sh)")
        for job in runs:
            container = job.get("container") or {}
            image = container.get("image") if isinstance(container, dict) else container
            if image not in ("debian:12", "debian:bookworm"):
                self.problem(rel, f"the suite runs on {image!r}, not a Debian 12 container")
            if "--user" in str(container.get("options", "")) and "--user root" not in container["options"]:
                self.problem(rel, "the suite does not run as root")
            if int(job.get("timeout-minutes", 360)) < 45:
                self.problem(rel, "timeout-minutes below the suite's 45-minute budget")
        if re.search(r"actions/cache|^\s*cache:", raw, re.M):
            self.problem(rel, "caches something: a cache hides a missing install step")


def main():
    root, cmd = sys.argv[1], sys.argv[2]
    if cmd == "files":
        for stage, _ in stage_files(root):
            print(stage)
        return 0
    if cmd == "required":
        stage = sys.argv[3]
        path = os.path.join(root, f"docker/compose/stage{stage}.yml")
        with open(path, encoding="utf-8") as f:
            raw = f.read()
        example = read_example(os.path.join(root, f"docker/compose/stage{stage}.env.example"))
        kinds = {}
        for m in REF.finditer(raw):
            form = m.group(2) or ""
            if form.startswith((":?", "?")) and example.get(m.group(1), "") == "":
                strict = form.startswith(":?") or kinds.get(m.group(1)) == "nonempty"
                kinds[m.group(1)] = "nonempty" if strict else "declared"
        print("\n".join(f"{n} {k}" for n, k in sorted(kinds.items())))
        return 0
    if cmd == "env":
        # The environment of SchoolHub service SERVICE in a resolved `docker-compose config`
        # FILE, NUL-separated NAME=VALUE; without SERVICE, the names of those services.
        with open(sys.argv[3], encoding="utf-8") as f:
            services = (yaml.safe_load(f) or {}).get("services") or {}
        if len(sys.argv) < 5:
            print("\n".join(n for n, s in services.items() if is_schoolhub_service(s)))
            return 0
        env = environment_of(services[sys.argv[4]])
        sys.stdout.write("".join(f"{k}={'' if v is None else v}\0" for k, v in env.items()))
        return 0
    if cmd != "check":
        print(__doc__, file=sys.stderr)
        return 2
    c = Checker(root)
    files = stage_files(root)
    if not files:
        c.problem("docker/compose", "no stageN.yml")
    for stage, path in files:
        c.check_stage(stage, path)
    c.check_dockerfile()
    c.check_dockerignore()
    c.check_ci()
    for p in c.problems:
        print(p)
    return 1 if c.problems else 0


if __name__ == "__main__":
    sys.exit(main())
