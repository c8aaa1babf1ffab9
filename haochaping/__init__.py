"""haochaping: the government-service good/bad review (政务服务"好差评") system."""

__version__ = "0.1.0"
