from . import portal
from . import plan_portal
from . import salesperson
