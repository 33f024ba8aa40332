import DedupCore

/// Re-exported defaults of the core, so the executables need not import DedupCore.
public enum NearDuplicateDefaults {
    public static let maxDistance = NearDuplicateThreshold.defaultMaxDistance
}
