"""`extends:` and library merging (docs/scenario-format.md)."""

from sim.config.loader import load_scenario


def test_child_overrides_mappings_deeply_and_keeps_the_rest(write_scenario):
    path = write_scenario(
        "id: child\nyears: {horizon: 2040}\nbau: {default: {activity: {rate: 0.01}}}\n"
    )
    sc = load_scenario(path).scenario
    assert sc.id == "child"
    assert sc.years.horizon == 2040  # overridden
    assert sc.costs.discount_rate == 0.05  # inherited from toy_base.yaml
    assert sc.targets[0].id == "half"


def test_interventions_merge_by_id_and_can_be_removed(write_scenario, tmp_path):
    parent = write_scenario(
        "interventions:\n"
        "  - {id: a, city: '9901', sector: heating, effect: 0.5,\n"
        "     rollout: {start: 2025, build: 2}}\n"
        "  - {id: b, city: '9901', sector: transport, effect: 0.3, rollout: {start: 2026}}\n",
        name="parent.yaml",
    )
    child = tmp_path / "child.yaml"
    child.write_text(
        f"extends: {parent.name}\n"
        "interventions:\n"
        "  - {id: a, effect: 0.9, rollout: {start: 2027}}\n"  # override two fields
        "  - {id: b, remove: true}\n"
        "  - {id: c, city: '9901', sector: transport, effect: 0.1, rollout: {start: 2025}}\n",
        encoding="utf-8",
    )
    sc = load_scenario(child).scenario
    assert [i.id for i in sc.interventions] == ["a", "c"]
    a = sc.interventions[0]
    assert (a.effect, a.rollout.start, a.rollout.build, a.sector) == (0.9, 2027, 2.0, "heating")


def test_library_entry_is_the_start_and_the_scenario_overrides(write_scenario, tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "heat.yaml").write_text(
        "price_year: 2024\nmeasures:\n"
        "  - id: heat-pumps\n    title: Heat pumps\n    sector: heating\n"
        "    scope: 0.4\n    effect: {low: 0.7, central: 0.8, high: 0.9}\n"
        "    rollout: {planning: 1, build: 5}\n    cost: {capex_per_t: 1000}\n"
        "    source: test figures\n",
        encoding="utf-8",
    )
    path = write_scenario(
        f"library: {lib}\ninterventions:\n"
        "  - {id: hp, use: heat-pumps, city: '9901', scope: 0.6, rollout: {start: 2026}}\n"
    )
    item = load_scenario(path).scenario.interventions[0]
    assert item.title == "Heat pumps"
    assert item.scope == 0.6  # overridden
    assert item.effect.central == 0.8  # from the library
    assert (item.rollout.start, item.rollout.planning, item.rollout.build) == (2026, 1, 5)
    assert item.cost.capex_per_t == 1000


def test_inputs_hash_changes_with_any_input(write_scenario):
    one = load_scenario(write_scenario("id: x\n", name="a.yaml")).inputs_sha256
    same = load_scenario(write_scenario("id: x\n", name="b.yaml")).inputs_sha256
    other = load_scenario(write_scenario("id: x\nyears: {horizon: 2031}\n", name="c.yaml"))
    assert one == same
    assert other.inputs_sha256 != one
