"""The mechanisms of a day, one module each, in the order ``GovernanceModel.step`` runs them.

``MODULES`` is the one list the model, the DataCollector, the summary, the outcome
catalogue and the parameter table are generated from.
"""

from govsim.core.mechanisms.arising import NeedArising
from govsim.core.mechanisms.costs import Costs
from govsim.core.mechanisms.discovery import Discovery
from govsim.core.mechanisms.feedback import Feedback
from govsim.core.mechanisms.reporting import Reporting
from govsim.core.mechanisms.routing import Routing
from govsim.core.mechanisms.service import Service
from govsim.core.mechanisms.sessions import Sessions
from govsim.core.mechanisms.workload import Workload

MODULES = (
    NeedArising,
    Reporting,
    Routing,
    Service,
    Workload,
    Discovery,
    Sessions,
    Feedback,
    Costs,
)

__all__ = ["MODULES", *(m.__name__ for m in MODULES)]
