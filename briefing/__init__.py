"""briefing: grounded, structured briefs from reports.

from briefing import BriefChain, load_report
brief = BriefChain().run(load_report(open("report.txt", "rb").read()))
"""

from briefing.chains.brief import BriefChain, brief_report
from briefing.errors import (
    BackendUnavailableError,
    BriefingError,
    ConfigError,
    InputError,
    ModelOutputError,
    ReportTooLongError,
)
from briefing.ingest import load_report
from briefing.render import render_markdown
from briefing.schemas import Brief, Report, brief_json_schema
from briefing.settings import Settings, get_settings

__all__ = [
    "BackendUnavailableError",
    "Brief",
    "BriefChain",
    "BriefingError",
    "ConfigError",
    "InputError",
    "ModelOutputError",
    "Report",
    "ReportTooLongError",
    "Settings",
    "brief_json_schema",
    "brief_report",
    "get_settings",
    "load_report",
    "render_markdown",
]
