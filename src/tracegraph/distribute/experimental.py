"""`tg.distribute.experimental`: TF's experimental names of the distribute API."""
from .input import AutoShardPolicy, ValueContext
from .multi_worker import MultiWorkerMirroredStrategy
from .strategy import CommunicationImplementation, CommunicationOptions

__all__ = ["CommunicationOptions", "CommunicationImplementation", "MultiWorkerMirroredStrategy", "ValueContext",
           "AutoShardPolicy"]
