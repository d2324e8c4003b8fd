use super::*;

#[test]
fn fnv1a64_matches_the_published_vectors() {
    // From the FNV reference (Fowler/Noll/Vo) test suite.
    assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
}

#[test]
fn partitions_are_balanced_on_sequential_ids() {
    let n = 8u32;
    let mut counts = vec![0u32; n as usize];
    for i in 0..16_000 {
        counts[partition_of(&format!("C{i:06}"), n) as usize] += 1;
    }
    // 2,000 expected per partition; sequential ids must not cluster.
    for c in counts {
        assert!((1_800..=2_200).contains(&c), "{c}");
    }
}
