"""The seeds' flowchart (assign_responsible.json) through interpreter.run() vs SpiffWorkflow BPMN.

Both engines run the same generated leads in one process; every record SpiffWorkflow runs must
get the same responsible person, recipient and subject from both (and from a plain-Python
oracle), else the benchmark fails. Sizes and seed come from the environment:
BIZFLOW_BENCH_RECORDS (default 100000), BIZFLOW_BENCH_SPIFF_RECORDS (default 3000, SpiffWorkflow
is slow), BIZFLOW_BENCH_SEED (default 2), BIZFLOW_BENCH_PROFILE=1 (profile the interpreter loop
with pyinstrument and print where the time goes).
"""

import json
import os
import random
import time
from importlib import resources
from typing import Any
from xml.sax.saxutils import escape

CURRENCIES = ("EUR", "USD", "RUB", "VND", "GBP", "CNY")
# Amounts cluster around the template's 500 threshold so both branches and the edge are hit.
EDGE_AMOUNTS = (0, 499, 499.99, 500, 500.01, 501)
ROUNDS = 10

Outcome = tuple[int, tuple[str, ...], str]  # (ASSIGNED_BY_ID, e-mail recipients, subject)


def seeds_template() -> dict[str, Any]:
    """The built-in template the benchmark runs."""
    text = resources.files("templates_bp").joinpath("assign_responsible.json").read_text("utf-8")
    return json.loads(text)


def generate_leads(count: int, seed: int) -> list[dict[str, Any]]:
    """`count` leads with a random currency and an amount on either side of 500, reproducibly."""
    rng = random.Random(seed)
    leads = []
    for number in range(1, count + 1):
        roll = rng.random()
        if roll < 0.05:
            amount: float = rng.choice(EDGE_AMOUNTS)
        elif roll < 0.5:
            amount = rng.randint(0, 1000)
        else:
            amount = round(rng.uniform(0, 5000), 2)
        leads.append({
            "ID": number,
            "TITLE": f"Web order {number}",
            "STATUS_ID": "NEW",
            "CURRENCY_ID": rng.choice(CURRENCIES),
            "OPPORTUNITY": amount,
            "ASSIGNED_BY_ID": 1,
        })
    return leads


def constants_of(template: dict[str, Any]) -> dict[str, Any]:
    """The template's constants by id."""
    return {constant["id"]: constant["value"] for constant in template["constants"]}


def oracle_outcome(lead: dict[str, Any], constants: dict[str, Any]) -> Outcome:
    """What the seeds' flowchart must do with `lead`, written out in plain Python."""
    if lead["CURRENCY_ID"] == "EUR":
        manager = constants["EuroManager"]
    elif lead["OPPORTUNITY"] > 500:
        manager = constants["BigDealManager"]
    else:
        manager = constants["SmallDealManager"]
    return manager, (f"user:{manager}",), f"New lead: {lead['TITLE']}"


def interpreter_outcome(result: dict[str, Any]) -> Outcome:
    """The outcome of one `run()` result; a run that did not complete is a benchmark failure."""
    if result["status"] != "completed" or len(result["emails"]) != 1:
        raise AssertionError(f"interpreter run did not complete as expected: {result}")
    mail = result["emails"][0]
    return result["document"]["ASSIGNED_BY_ID"], tuple(mail["to"]), mail["subject"]


def bpmn_xml(constants: dict[str, Any]) -> str:
    """The seeds' flowchart as BPMN 2.0: exclusive gateways and script tasks."""
    def assign(task_id: str, incoming: str, outgoing: str, manager: int) -> str:
        return (f'<bpmn:scriptTask id="{task_id}"><bpmn:incoming>{incoming}</bpmn:incoming>'
                f'<bpmn:outgoing>{outgoing}</bpmn:outgoing>'
                f'<bpmn:script>ASSIGNED_BY_ID = {int(manager)}</bpmn:script></bpmn:scriptTask>')

    def flow(flow_id: str, source: str, target: str, condition: str | None = None) -> str:
        if condition is None:
            return f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}"/>'
        return (f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">'
                f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{escape(condition)}'
                f'</bpmn:conditionExpression></bpmn:sequenceFlow>')

    mail_script = ('email_to = ("user:" + str(ASSIGNED_BY_ID),)\n'
                   'email_subject = "New lead: " + TITLE')
    return f'''<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="bench" targetNamespace="https://bizflow.dev/bench">
<bpmn:process id="assign_responsible" isExecutable="true">
<bpmn:startEvent id="start"><bpmn:outgoing>f_start</bpmn:outgoing></bpmn:startEvent>
<bpmn:exclusiveGateway id="is_euro" default="f_other">
  <bpmn:incoming>f_start</bpmn:incoming>
  <bpmn:outgoing>f_euro</bpmn:outgoing><bpmn:outgoing>f_other</bpmn:outgoing>
</bpmn:exclusiveGateway>
{assign("to_euro", "f_euro", "f_euro_done", constants["EuroManager"])}
<bpmn:exclusiveGateway id="is_big" default="f_small">
  <bpmn:incoming>f_other</bpmn:incoming>
  <bpmn:outgoing>f_big</bpmn:outgoing><bpmn:outgoing>f_small</bpmn:outgoing>
</bpmn:exclusiveGateway>
{assign("to_big", "f_big", "f_big_done", constants["BigDealManager"])}
{assign("to_small", "f_small", "f_small_done", constants["SmallDealManager"])}
<bpmn:exclusiveGateway id="merge">
  <bpmn:incoming>f_euro_done</bpmn:incoming><bpmn:incoming>f_big_done</bpmn:incoming>
  <bpmn:incoming>f_small_done</bpmn:incoming><bpmn:outgoing>f_mail</bpmn:outgoing>
</bpmn:exclusiveGateway>
<bpmn:scriptTask id="mail">
  <bpmn:incoming>f_mail</bpmn:incoming><bpmn:outgoing>f_end</bpmn:outgoing>
  <bpmn:script>{escape(mail_script)}</bpmn:script>
</bpmn:scriptTask>
<bpmn:endEvent id="done"><bpmn:incoming>f_end</bpmn:incoming></bpmn:endEvent>
{flow("f_start", "start", "is_euro")}
{flow("f_euro", "is_euro", "to_euro", 'CURRENCY_ID == "EUR"')}
{flow("f_other", "is_euro", "is_big")}
{flow("f_big", "is_big", "to_big", "OPPORTUNITY > 500")}
{flow("f_small", "is_big", "to_small")}
{flow("f_euro_done", "to_euro", "merge")}
{flow("f_big_done", "to_big", "merge")}
{flow("f_small_done", "to_small", "merge")}
{flow("f_mail", "merge", "mail")}
{flow("f_end", "mail", "done")}
</bpmn:process>
</bpmn:definitions>
'''


def spiff_spec(constants: dict[str, Any]) -> Any:
    """The parsed SpiffWorkflow process specification (parsed once, like load_template)."""
    from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser

    parser = BpmnParser()
    parser.add_bpmn_str(bpmn_xml(constants).encode("utf-8"), "assign_responsible.bpmn")
    return parser.get_spec("assign_responsible")


def spiff_outcome(spec: Any, lead: dict[str, Any]) -> Outcome:
    """Run one SpiffWorkflow instance on `lead` to its end."""
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

    workflow = BpmnWorkflow(spec)
    workflow.task_tree.data.update(lead)
    workflow.do_engine_steps()
    if not workflow.is_completed():
        raise AssertionError(f"SpiffWorkflow instance did not complete for lead {lead['ID']}")
    data = workflow.last_task.data
    return data["ASSIGNED_BY_ID"], data["email_to"], data["email_subject"]


def check_identical(name: str, got: list[Outcome], expected: list[Outcome],
                    leads: list[dict[str, Any]]) -> None:
    """Fail loudly, naming the first records, when an engine disagrees with the oracle."""
    wrong = [(lead, g, e) for lead, g, e in zip(leads, got, expected, strict=True) if g != e]
    if wrong:
        sample = "\n".join(f"  lead {lead}: got {g}, expected {e}" for lead, g, e in wrong[:5])
        raise AssertionError(f"{name} assigned {len(wrong)} of {len(leads)} leads differently:\n"
                             f"{sample}")


class Timing:
    """Wall-clock and CPU seconds, summed over measured calls (CPU time is steadier on a busy
    machine)."""

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0

    def measure(self, function: Any, *args: Any) -> Any:
        """`function(*args)`, adding the time it took."""
        wall, cpu = time.perf_counter(), time.process_time()
        value = function(*args)
        self.wall += time.perf_counter() - wall
        self.cpu += time.process_time() - cpu
        return value


def chunks(items: list[Any], count: int) -> list[list[Any]]:
    """`items` cut into `count` consecutive, nearly equal slices."""
    return [items[len(items) * i // count:len(items) * (i + 1) // count] for i in range(count)]


def print_table(rows: list[tuple[str, int, Timing]]) -> None:
    """engine | records | seconds | instances/s | CPU seconds | instances per CPU second."""
    print(f"{'engine':<28} {'records':>9} {'seconds':>9} {'instances/s':>12} {'cpu s':>9} "
          f"{'per cpu s':>12}")
    for engine, records, timing in rows:
        print(f"{engine:<28} {records:>9} {timing.wall:>9.3f} {records / timing.wall:>12,.0f} "
              f"{timing.cpu:>9.3f} {records / max(timing.cpu, 1e-9):>12,.0f}")


def main() -> None:
    """Run both engines, check they agree, print the table and RESULT lines."""
    from SpiffWorkflow.version import __version__ as spiff_version

    from interpreter import load_template, run

    record_count = int(os.environ.get("BIZFLOW_BENCH_RECORDS", "100000"))
    spiff_count = min(record_count, int(os.environ.get("BIZFLOW_BENCH_SPIFF_RECORDS", "3000")))
    seed = int(os.environ.get("BIZFLOW_BENCH_SEED", "2"))
    if spiff_count < 1:
        raise ValueError("BIZFLOW_BENCH_RECORDS and BIZFLOW_BENCH_SPIFF_RECORDS must be at least 1")

    template = seeds_template()
    constants = constants_of(template)
    leads = generate_leads(record_count, seed)
    expected = [oracle_outcome(lead, constants) for lead in leads]

    load = Timing()
    compiled = load.measure(load_template, template)
    parse = Timing()
    spec = parse.measure(spiff_spec, constants)

    def run_interpreter(batch: list[dict[str, Any]]) -> list[Outcome]:
        return [interpreter_outcome(run(compiled, lead)) for lead in batch]

    def run_spiff(batch: list[dict[str, Any]]) -> list[Outcome]:
        return [spiff_outcome(spec, lead) for lead in batch]

    profiler = None
    if os.environ.get("BIZFLOW_BENCH_PROFILE") == "1":
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
    # The engines take turns in rounds, so a neighbour's load on a shared machine slows both
    # alike instead of whichever happened to run at that moment.
    sample = leads[:spiff_count]
    interpreter_time, spiff_time = Timing(), Timing()
    interpreted: list[Outcome] = []
    spiffed: list[Outcome] = []
    for batch, spiff_batch in zip(chunks(leads, ROUNDS), chunks(sample, ROUNDS), strict=True):
        if profiler is not None:
            profiler.start()
        interpreted += interpreter_time.measure(run_interpreter, batch)
        if profiler is not None:
            profiler.stop()
        spiffed += spiff_time.measure(run_spiff, spiff_batch)
    if profiler is not None:
        profiler.print(show_all=False)

    check_identical("the interpreter", interpreted, expected, leads)
    check_identical("SpiffWorkflow", spiffed, expected[:spiff_count], sample)
    check_identical("the interpreter vs SpiffWorkflow", interpreted[:spiff_count], spiffed, sample)

    print(f"flow: templates_bp/assign_responsible.json, {record_count} leads (seed {seed}); "
          f"load_template {load.wall * 1000:.1f} ms, BPMN parse {parse.wall * 1000:.1f} ms")
    print_table([
        ("bizflow interpreter run()", record_count, interpreter_time),
        (f"SpiffWorkflow {spiff_version}", spiff_count, spiff_time),
    ])
    print(f"all {spiff_count} sampled leads assigned identically by both engines")
    rates = {
        "interpreter_instances_per_s": record_count / interpreter_time.wall,
        "spiff_instances_per_s": spiff_count / spiff_time.wall,
        "interpreter_instances_per_cpu_s": record_count / max(interpreter_time.cpu, 1e-9),
        "spiff_instances_per_cpu_s": spiff_count / max(spiff_time.cpu, 1e-9),
    }
    for name, rate in rates.items():
        print(f"RESULT {name} {rate:.0f}")
    print(f"RESULT speedup_vs_spiff "
          f"{rates['interpreter_instances_per_s'] / rates['spiff_instances_per_s']:.1f}")
    print(f"RESULT speedup_vs_spiff_cpu "
          f"{rates['interpreter_instances_per_cpu_s'] / rates['spiff_instances_per_cpu_s']:.1f}")
    print(f"RESULT interpreter_load_template_ms {load.wall * 1000:.2f}")
    print(f"RESULT records_checked_identical {spiff_count}")
