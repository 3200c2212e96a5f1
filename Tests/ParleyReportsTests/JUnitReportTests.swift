import Foundation
#if canImport(FoundationXML)
    import FoundationXML
#endif
import Testing
import ParleyReports
import ParleyResults
import ParleyRun
import ParleyTestSupport

@Suite struct JUnitReportTests {
    @Test func junitXMLIsWellFormedWithFailureDetails() throws {
        let records = [
            ResultRecord(
                RunFixtures.result(repetition: 1, outcome: .passed), transcript: "transcripts/refund--dana--1.json"),
            ResultRecord(
                RunFixtures.result(repetition: 2, outcome: .failed, reply: "Sorry <b>no</b> & \u{1} refund"),
                transcript: "transcripts/refund--dana--2.json"),
        ]
        let xml = JUnitReport.xml(records: records)
        let document = try XMLDocument(xmlString: xml)
        let cases = try document.nodes(forXPath: "//testcase")
        #expect(cases.count == 2)
        let failure = try #require(try document.nodes(forXPath: "//testcase/failure").first as? XMLElement)
        #expect(
            failure.attribute(forName: "message")?.stringValue
                == "flows/refund.yaml:7:5: expected the agent's reply to match /refund/i")
        #expect(failure.stringValue?.contains("Agent said: Sorry <b>no</b> & \u{FFFD} refund") == true)
        let suite = try #require(try document.nodes(forXPath: "//testsuite").first as? XMLElement)
        #expect(suite.attribute(forName: "failures")?.stringValue == "1")
    }
}
