"""The finance and growth dashboard (Streamlit) on the published warehouse copy.

    streamlit run dashboard/app.py [-- --warehouse FILE | --published FILE]

or `make dashboard`. It reads `<warehouse folder>/published/<warehouse file name>`
(the copy every run publishes after its checks pass) read-only, never the file the
pipeline writes. See dashboard_data.published_path for how the file is chosen.
"""

import sys
from pathlib import Path

import streamlit as st

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # the pages import the helper modules next to this file
    sys.path.insert(0, str(HERE))

st.set_page_config(page_title="usage-billing dashboard", page_icon=":bar_chart:", layout="wide")

navigation = st.navigation(
    [
        st.Page(
            HERE / "finance.py", title="Finance", icon=":material/account_balance:", default=True
        ),
        st.Page(HERE / "growth.py", title="Growth", icon=":material/trending_up:"),
    ]
)
navigation.run()
