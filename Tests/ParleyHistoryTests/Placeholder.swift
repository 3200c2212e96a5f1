import Testing
@testable import ParleyHistory
