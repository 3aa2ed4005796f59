"""Pictures where people would rather look than read: the doctor's HTML report and its TensorBoard twin.

``charts`` (no plotting library) says which chart shows the evidence of each
doctor finding, so the terminal report can point at it; ``doctor_report``
draws the charts with plotly into one self-contained HTML file;
``tensorboard`` writes the same series as TensorBoard scalars and histograms.
"""
