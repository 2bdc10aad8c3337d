"""Engineering: live configuration changes (hot reload), configuration versions, the review workflow
(enterprise engineer → district review 审核; district/city → a second engineer of that tier), point edits
written into the hand-written YAML, and the spreadsheet round trip."""
