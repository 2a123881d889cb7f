"""A project's schema as a Label Studio labelling config (XML), so a team can open the tasks that
``export?format=labelstudio`` writes in Label Studio with the same controls. The control names
(``label``, ``rating``, ``comment``, ``spans`` over ``text``) are those the export uses."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree as ET


def labelstudio_config(schema: dict[str, Any]) -> str:
    view = ET.Element("View")
    ET.SubElement(view, "Text", name="text", value="$text")
    if schema.get("span_labels"):
        labels = ET.SubElement(view, "Labels", name="spans", toName="text")
        for label in schema["span_labels"]:
            ET.SubElement(labels, "Label", value=label)
    if schema.get("classification") and schema.get("labels"):
        choice = "single" if schema["classification"] == "single" else "multiple"
        choices = ET.SubElement(view, "Choices", name="label", toName="text", choice=choice)
        for label in schema["labels"]:
            ET.SubElement(choices, "Choice", value=label)
    if schema.get("rating"):
        # Label Studio's rating counts 1..maxRating; khlang's scale is min..max
        ET.SubElement(view, "Rating", name="rating", toName="text", maxRating=str(schema["rating"]["max"]))
    if schema.get("comment"):
        ET.SubElement(view, "TextArea", name="comment", toName="text", editable="true", maxSubmissions="1")
    ET.indent(view)
    return ET.tostring(view, encoding="unicode") + "\n"
