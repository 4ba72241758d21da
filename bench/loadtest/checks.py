"""After the load test: is every write the server acknowledged in the database? Run inside
Django against the tested database (bench/loadtest/run.py calls `report`)."""

import json
from collections import Counter


def report(acks_path: str, start: str) -> dict:
    """The problems found (none is a pass) and how many writes of each kind were checked."""
    from shangji.activities.models import Activity
    from shangji.opportunities.models import Opportunity, OpportunityChange

    with open(acks_path, encoding="utf-8") as handle:
        acks = [json.loads(line) for line in handle]
    problems = []
    activities = [ack for ack in acks if ack["kind"] == "activity"]
    stored = Activity.objects.filter(pk__in=[ack["id"] for ack in activities])
    subjects = dict(stored.values_list("pk", "subject"))
    problems += [
        f"acknowledged activity {ack['id']} is missing"
        for ack in activities
        if subjects.get(ack["id"]) != ack["subject"]
    ]
    # One history row per acknowledged stage move, no more, no fewer.
    moves = Counter(ack["id"] for ack in acks if ack["kind"] == "move")
    rows = Counter(
        change.opportunity_id
        for change in OpportunityChange.objects.filter(changed_at__gte=start).only(
            "opportunity_id", "changed_fields"
        )
        if "stage" in change.changed_fields
    )
    problems += [
        f"opportunity {deal}: {count} acknowledged moves, {rows[deal]} history rows"
        for deal, count in moves.items()
        if rows[deal] != count
    ]
    # The last acknowledged change of each record is its state (unless it is at that version
    # no more, because a later acknowledged change — also checked — followed).
    latest: dict[int, dict] = {}
    for ack in acks:
        if ack["kind"] in ("edit", "move"):
            if ack["version"] >= latest.get(ack["id"], {"version": 0})["version"]:
                latest[ack["id"]] = ack
    for deal in Opportunity.objects.filter(pk__in=list(latest)):
        ack = latest[deal.pk]
        if deal.version < ack["version"]:
            problems.append(f"opportunity {deal.pk} is below its acknowledged version")
        elif deal.version == ack["version"]:
            if ack["kind"] == "edit" and deal.next_step != ack["next_step"]:
                problems.append(f"opportunity {deal.pk}: the acknowledged next step was lost")
            if ack["kind"] == "move" and deal.stage_id != ack["stage"]:
                problems.append(f"opportunity {deal.pk}: the acknowledged stage was lost")
    return {
        "problems": problems,
        "activities": len(activities),
        "moves": sum(moves.values()),
        "edits": sum(1 for ack in acks if ack["kind"] == "edit"),
    }
