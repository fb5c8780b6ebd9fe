import streamlit as st

from app_pages.common import PROBLEM_COLUMNS, gate, read_only
from credits_core.importer import KINDS, import_file

st.title("📥 Import")
st.caption("Load lists, purchases, assignments or messages from CSV (comma or semicolon, UTF-8) or .xlsx. "
           "Every problem is listed with its row; a file with any problem writes nothing; importing the same "
           "file again changes nothing. Times without an offset are read as Rome local time.")
if read_only():
    st.info("Read-only view: imports are disabled.")
else:
    s = gate()  # every write of this page goes through the role check
    kind = st.selectbox("What the file holds", list(KINDS), key="imp_kind")
    req, opt = KINDS[kind]
    st.caption(f"Columns: **{', '.join(req)}**" + (f", optional {', '.join(opt)}" if opt else ""))
    up = st.file_uploader("File", type=["csv", "xlsx"], key="imp_file")
    if up is not None:
        data = up.getvalue()
        check = import_file(s, kind, data, up.name, dry_run=True)
        if check.ok:
            st.success(f"{up.name}: {check.rows:,} rows are valid.")
            for note in check.notes:
                st.caption(note)
            if st.button("Import now", type="primary"):
                with st.spinner("Importing ..."):
                    done = import_file(s, kind, data, up.name)
                if done.ok:
                    st.success(f"Imported {done.written:,} new record(s).")
                else:
                    st.error("Rejected: nothing was written.")
                    st.dataframe(done.table(), hide_index=True, width="stretch", column_config=PROBLEM_COLUMNS)
        else:
            st.error(f"{up.name}: rejected, nothing would be written ({len(check.problems)} problem(s)).")
            st.dataframe(check.table(), hide_index=True, width="stretch", column_config=PROBLEM_COLUMNS)
