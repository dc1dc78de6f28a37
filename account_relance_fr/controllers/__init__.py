from . import portal
from . import plan_portal
