"""Work items: queued once while pending, run in the machine's context before it is left."""
from netkernel import machines
from netkernel.include.linux.workqueue import WorkStruct, schedule_work


def test_a_work_item_runs_once_after_the_caller_and_before_the_machine_is_left():
    k = machines.ast2500(up=False)
    core = k.core
    ran = []
    work = WorkStruct(lambda w: ran.append(w.data), "reset")
    with k._lock:
        assert schedule_work(core, work) is True
        assert schedule_work(core, work) is False      # already pending: not queued twice
        assert ran == []                                # not yet: after the caller
    assert ran == ["reset"] and not work.pending
    with k._lock:
        assert schedule_work(core, work) is True        # queued again once it ran
    assert ran == ["reset", "reset"]
