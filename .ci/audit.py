"""Dependency audit for CI: pip-audit over the virtual environment.

pip-audit asks a vulnerability service on the network (PyPI's JSON API, then OSV). CI may
not reach either (a mirror without the JSON API, no route out). So:

- a known vulnerability in an installed package fails the run (exit 1);
- a service that cannot be reached, or that knows none of the packages, does not fail the
  run (exit 0), and the output says in capitals, on stdout where CI logs are read, that
  nothing was audited: "no known vulnerabilities" is printed only after an audit.

    .venv/bin/python .ci/audit.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PIP_AUDIT = Path(sys.executable).with_name("pip-audit")
SERVICES = ("pypi", "osv")
TIMEOUT_SECONDS = 300


def audit(service: str) -> tuple[dict | None, str]:
    """(pip-audit's JSON report, or None if the service could not be used; its stderr)."""
    command = [str(PIP_AUDIT), "--format", "json", "--progress-spinner", "off", "--skip-editable",
               "--timeout", "30", "--vulnerability-service", service]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {TIMEOUT_SECONDS} s"
    try:
        return json.loads(done.stdout), done.stderr  # exit 1 with a report: vulnerabilities found
    except json.JSONDecodeError:
        lines = (done.stderr or done.stdout or "no output").strip().splitlines()
        return None, lines[-1][-300:]  # the exception line, not the whole traceback


def main() -> int:
    for service in SERVICES:
        report, errors = audit(service)
        if report is None:
            print(f"pip-audit: {service} unreachable: {errors}", file=sys.stderr)
            continue
        dependencies = report.get("dependencies", [])
        audited = [d for d in dependencies if "skip_reason" not in d]
        vulnerable = [d for d in audited if d.get("vulns")]
        if vulnerable:
            for dependency in vulnerable:
                for vuln in dependency["vulns"]:
                    fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version"
                    print(f"VULNERABLE {dependency['name']} {dependency['version']}: {vuln['id']} "
                          f"(fixed in {fixed})")
            return 1
        if audited:
            print(f"pip-audit ({service}): {len(audited)} packages audited, no known vulnerabilities"
                  f" ({len(dependencies) - len(audited)} not known to the service)")
            return 0
        print(f"pip-audit: {service} knows none of the {len(dependencies)} packages "
              "(unreachable, or a mirror without its API)", file=sys.stderr)
    print(f"pip-audit: NOT AUDITED: every vulnerability service ({', '.join(SERVICES)}) was unreachable "
          "from this machine; the dependencies were not checked for known vulnerabilities "
          "(not failing the run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
