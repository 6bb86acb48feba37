package awsjson

// ReferenceMarshal is referenceMarshal for the external tests (marshal_large_test.go).
var ReferenceMarshal = referenceMarshal
