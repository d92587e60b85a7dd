"""政策问答: an offline retrieval Q&A assistant over Chinese policy documents.

Pipeline, one module per stage: documents -> structure (clauses) -> index -> search -> answer -> cli / app.
"""
import os

# Offline, always: no model hub, no telemetry, no Gradio analytics. Set before any of those libraries load.
for _name, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
}.items():
    os.environ[_name] = _value

__version__ = "0.1.0"
