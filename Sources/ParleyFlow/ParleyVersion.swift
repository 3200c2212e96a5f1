/// The version `parley --version` prints and HTTP requests carry in their User-Agent.
public enum ParleyVersion {
    public static let current = "0.1.0"
}
