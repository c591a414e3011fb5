"""The Streamlit dashboard (`maicro dashboard`): marts and monitors read as maicro_reader."""
