"""Reports that leave the dashboard: the Excel workbook of a view and its CSV files (``workbook``), the streaming
writer that fills millions of message rows into a saved workbook within bounded memory (``xlsx_stream``), and the
exports a page runs in the background, private to the user who asked (``jobs``). Built on reporting; planning does not
import it, nor it planning."""

from credits_core.exports.jobs import ExportJob, download, forget_owner, sweep
from credits_core.exports.workbook import (
    copy_messages_csv,
    estimate,
    frame_to_xlsx,
    searched_words,
    view_file_name,
    write_csv,
    write_workbook,
)

__all__ = [
    "ExportJob", "copy_messages_csv", "download", "estimate", "forget_owner", "frame_to_xlsx", "searched_words",
    "sweep", "view_file_name", "write_csv", "write_workbook",
]
