#!/usr/bin/env python3
"""What each base field of the LoanPro preset costs, in instructions a loan.

The preset without its rules and J1/J2 is the base; each variant makes one base field a
constant (the value `fixtures/loanpro/current.json` gives that field, read from its snapshot,
so the record stays valid), and the difference from the base is what computing that field
costs beyond writing a constant, including any let only it reads. Each variant runs the
preset bench's end-to-end pass under callgrind (`METRO2_BENCH_PRESET=FILE`).

    cargo bench -p metro2 --bench preset --no-run   # prints the bench binary's path
    python3 docs/experiments/field-costs/field_costs.py target/release/deps/preset-HASH [LOANS]

Needs valgrind. About ten seconds a field at 400 loans.
"""
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PRESET = ROOT / "presets/loanpro.m2map"
SNAPSHOT = ROOT / "tests/tests/snapshots/preset_fixtures__current.fields.snap"
NUMERIC = {
    "processing_indicator", "correction_indicator", "credit_limit", "highest_credit",
    "terms_duration", "scheduled_monthly_payment_amount", "actual_payment_amount",
    "current_balance", "amount_past_due", "original_charge_off_amount",
    "social_security_number", "telephone_number",
}


def base_mapping() -> str:
    """The preset up to its secondary consumers' section: no J1/J2, no rules."""
    text = PRESET.read_text()
    j1 = text.index("segment j1 for each")
    return text[: text.rfind("\n# ", 0, j1)] + "\n"


def constants() -> dict:
    values = {}
    for line in SNAPSHOT.read_text().splitlines():
        m = re.match(r'base\.(\w+): "(.*)"$', line)
        if m:
            values[m.group(1)] = m.group(2)
    return values


def constant(field: str, values: dict) -> str:
    v = values.get(field, "")
    if field.startswith("date_") or field == "time_stamp":
        v = v[:8]
        return "none" if v.strip("0") == "" else f"{v[4:8]}-{v[0:2]}-{v[2:4]}"
    if field in NUMERIC:
        return str(int(v))
    v = v.strip()
    return "none" if v == "" else '"' + v + '"'


def variants(mapping: str, values: dict):
    """(field, mapping with that field's expression made a constant), for each base field."""
    start = mapping.index("segment base {")
    end = mapping.index("\n}", start)
    lines = mapping[start:end].split("\n")
    i = 1
    while i < len(lines):
        m = re.match(r"(\s+)(\w+)(\s+)=\s", lines[i])
        if not m:
            i += 1
            continue
        j = i + 1
        # An expression's continuation lines, up to the next field or doc comment.
        while j < len(lines) and not re.match(r"\s+\w+\s+=\s", lines[j]) and not lines[j].strip().startswith("##"):
            j += 1
        field = m.group(2)
        body = lines[:i] + [f"{m.group(1)}{field}{m.group(3)}= {constant(field, values)}"] + lines[j:]
        yield field, mapping[:start] + "\n".join(body) + mapping[end:]
        i = j


def instructions(bench: str, mapping_file: Path, loans: int) -> int:
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", "--toggle-collect=*map_one*",
         bench, "--bench", "nomatch"],
        env={"METRO2_BENCH_PRESET": str(mapping_file), "METRO2_BENCH_ONLY": "end_to_end",
             "METRO2_BENCH_LOANS": str(loans), "METRO2_BENCH_PASSES": "1", "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, check=True,
    ).stderr
    counts = [int(m.replace(",", "")) for m in re.findall(r"Collected : ([\d,]+)", out)]
    return max(counts)


def main() -> None:
    bench = sys.argv[1]
    loans = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    mapping, values = base_mapping(), constants()
    with tempfile.TemporaryDirectory() as tmp:
        base_file = Path(tmp) / "base.m2map"
        base_file.write_text(mapping)
        base = instructions(bench, base_file, loans)
        print(f"base (no rules, no J1/J2): {base / loans:,.0f} instructions a loan")
        costs = []
        for field, text in variants(mapping, values):
            f = Path(tmp) / f"{field}.m2map"
            f.write_text(text)
            costs.append(((base - instructions(bench, f, loans)) / loans, field))
        for cost, field in sorted(costs, reverse=True):
            print(f"{cost:8,.0f}  {field}")


if __name__ == "__main__":
    main()
