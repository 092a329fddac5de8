"""The one generic Viewflow flow that runs every process definition.

The stage loop is data-driven: one gateway, `route`, sends the process back to the applicant,
to a referred department, to its current stage's `review` task, or to the end. A review task's
permission, name and deadline come from the stage: Viewflow evaluates the permission callable
once, while creating the task and before saving it, so the stage's fields go into that INSERT.
"""

from contextlib import nullcontext

from django.db import transaction
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock
from viewflow.workflow.activation import Activation
from viewflow.workflow.context import context
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.nodes.end import EndActivation
from viewflow.workflow.nodes.func import FunctionActivation
from viewflow.workflow.nodes.split import SplitActivation
from viewflow.workflow.nodes.start import StartHandleActivation
from viewflow.workflow.nodes.switch import SwitchActivation
from viewflow.workflow.signals import task_started

from . import selectors, services, views
from .models import ProcessInstance, StageTask


class TaskView(flow.View):
    """A human task node whose owner is checked by key: Viewflow's check reads the owner's
    row only to compare it with the user."""

    def can_execute(self, user, task) -> bool:
        return task.owner_id is not None and task.owner_id == user.pk


class StageView(TaskView):
    """A stage's task node: offered to the stage's actors, except those who decided the stage
    it must be kept apart from (separation of duties), in every list and action."""

    def can_assign(self, user, task) -> bool:
        return super().can_assign(user, task) and not selectors.separation_refusal(user, task)


class StoredOnceRun(Activation):
    """The activation of a node that runs as soon as it is reached (the routing gateway, a
    function, the end): its task is stored once, when it has run, with its link to the task
    before it (`StageTask.save`). Viewflow stores such a task on arrival and again when done:
    two statements for each of the three such nodes a decision passes."""

    @classmethod
    def create(cls, flow_task, prev_activation, token, data=None, seed=None):
        task = flow_task.flow_class.task_class(
            process=prev_activation.process, flow_task=flow_task, token=token
        )
        task.data = data if data is not None else {}
        task.seed = seed
        task.arrived_from = prev_activation.task
        return cls(task)

    # Viewflow keeps activations in sets, hashed by their task, which has no key until stored.
    def __eq__(self, other) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)


class RouteActivation(StoredOnceRun, SwitchActivation):
    """The routing gateway's cases read the process in hand and write nothing, so its choice
    needs no savepoint to roll back to (Viewflow's switch opens one: two statements more at
    every step of every process)."""

    @Activation.status.super()
    def activate(self):
        with self.exception_guard():
            self.next_task = next(
                (node for node, case in self.flow_task._branches if case is None or case(self)),
                None,
            )
            if self.next_task is None:
                raise FlowRuntimeError(f"No route out of {self.flow_task.name}")


class Route(flow.Switch):
    activation_class = RouteActivation


class StepActivation(StoredOnceRun, FunctionActivation):
    """A step's function (the completion, a countersign's result) runs in the transaction of
    the decision that reached it. Viewflow gives it a savepoint, which matters only where an
    error is kept on the task instead of raised; raised, it undoes the whole decision."""

    @Activation.status.super()
    def activate(self):
        kept = not context.propagate_exception
        with self.exception_guard(), transaction.atomic() if kept else nullcontext():
            self.task.started = now()
            task_started.send(sender=self.flow_class, process=self.process, task=self.task)
            self.flow_task._func(self)


class Step(flow.Function):
    activation_class = StepActivation


class EndOfProcessActivation(StoredOnceRun, EndActivation):
    pass


class EndOfProcess(flow.End):
    activation_class = EndOfProcessActivation


class StartActivation(StartHandleActivation):
    """The start opens the process's history in its own transaction, under the process lock,
    once the process row has its key: a transaction of the caller's around it would make
    each of Viewflow's blocks within a savepoint, two statements more each."""

    @Activation.status.super()
    def activate_next(self):
        services.record_start(self.process)
        super().activate_next.original()


class Start(flow.StartHandle):
    activation_class = StartActivation


class CountersignActivation(SplitActivation):
    """Opens one `sign` task per countersigner of the process's stage, each with its data."""

    @Activation.status.super()
    def activate(self):
        node = self.flow_task._activate_next[0][0]
        self.next_tasks = [(node, data) for data in services.signer_tasks(self)]
        if not self.next_tasks:
            raise FlowRuntimeError(f"No countersigner for {self.flow_task.name}")


class CountersignSplit(flow.Split):
    """A split into as many tasks of one node as the stage has countersigners (the open-source
    Split makes one task per outgoing node)."""

    activation_class = CountersignActivation


class GenericFlow(flow.Flow):
    process_class = ProcessInstance
    task_class = StageTask
    lock_impl = lock.select_for_update_lock

    process_title = _("Processes")
    process_description = _("Every process designed in the admin runs on this flow.")
    process_summary_template = "{{ process.version.definition.name }} · {{ process.area.name }}"

    start = Start(this.start_process).Annotation(title=_("Submitted")).Next(this.route)

    review = (
        StageView(views.ReviewView.as_view())
        .Permission(services.prepare_review_task)
        .Assign(services.stage_owner)
        .Annotation(
            title=_("Review"),
            summary_template="{{ process.version.definition.name }} · "
            "{{ process.area.name }} · {{ process.number }}",
        )
        .onCreate(this.task_created)
        .Next(this.route)
    )

    route = (
        Route()
        .Annotation(title=_("Routing"))
        .Case(this.revise, services.is_returned_to_applicant)
        .Case(this.answer, services.is_referred)
        .Case(this.countersign, services.is_countersign_stage)
        .Case(this.review, services.has_open_stage)
        .Default(this.finish)
    )

    revise = (
        TaskView(views.RevisionView.as_view())
        .Permission(services.prepare_revision_task)
        .Annotation(title=_("Revision by the applicant"))
        .onCreate(this.task_created)
        .Next(this.route)
    )

    answer = (
        TaskView(views.AnswerView.as_view())
        .Permission(services.prepare_referral_task)
        .Annotation(title=_("Department answer"))
        .onCreate(this.task_created)
        .Next(this.route)
    )

    countersign = CountersignSplit().Annotation(title=_("Countersign")).Next(this.sign)

    sign = (
        StageView(views.SignView.as_view())
        .Permission(services.prepare_sign_task)
        .Annotation(
            title=_("Countersign"),
            summary_template="{{ process.version.definition.name }} · "
            "{{ process.area.name }} · {{ process.number }}",
        )
        .onCreate(this.task_created)
        .Next(this.countersign_join)
    )

    countersign_join = (
        flow.Join(continue_on_condition=services.countersign_settled)
        .Annotation(title=_("Countersign settled"))
        .Next(this.countersign_done)
    )

    countersign_done = (
        Step(services.settle_countersign).Annotation(title=_("Countersign result")).Next(this.route)
    )

    finish = Step(services.complete_process).Annotation(title=_("Completion")).Next(this.end)

    end = EndOfProcess().Annotation(title=_("End"))

    def has_view_permission(self, user, obj=None) -> bool:
        """Signed-in users open the inbox; a process is visible to the people who work it
        (`selectors.process_visibility`)."""
        if not user.is_authenticated:
            return False
        return obj is None or selectors.may_view_process(user, obj)

    def start_process(self, activation: Activation, **kwargs) -> ProcessInstance:
        return services.fill_new_process(activation, **kwargs)

    def task_created(self, activation: Activation) -> None:
        services.task_created(activation.task, activation.process)
