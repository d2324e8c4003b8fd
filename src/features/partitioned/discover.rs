//! Event-role discovery over a partitioned dataset: [`crate::catalogue::discover`]'s counts
//! collected a partition at a time and added up ([`DiscoveryCounts`]), so the catalogue is the
//! one discovered over the unpartitioned tables, to the last bit.

use crate::catalogue::{ChosenCatalogue, Discovery, DiscoveryCounts, DiscoveryParams, simulator_catalogue_applies_to};
use crate::error::{Error, Result};
use crate::features::spec::FeatureCatalogue;

use super::{PartitionedTables, for_each_part};

impl PartitionedTables {
    /// [`crate::catalogue::discover`] over all partitions: each partition is read as the
    /// population's part (derived churn censored at the population's data end), its customers
    /// counted up to `params.until` (default: the population's data end), and the counts added.
    /// The same [`Discovery`] as on the unpartitioned tables.
    ///
    /// ```
    /// # fn main() -> attrition::Result<()> {
    /// use attrition::catalogue::{discover, DiscoveryParams};
    /// use attrition::features::PartitionedTables;
    /// use attrition::io::tables::ReadOptions;
    /// use attrition::partition::{partition_tables, PartitionParams, Partitions};
    /// use attrition::simulate::{simulate, SimulationParams};
    /// let world = simulate(&SimulationParams::new(300, 12, 7))?;
    /// let dir = tempfile::tempdir().unwrap();
    /// world.tables.write_dir(dir.path().join("tables"))?;
    /// partition_tables(dir.path().join("tables"), None, &PartitionParams::new(3), dir.path().join("parts"))?;
    /// let parts = PartitionedTables::open(Partitions::open(dir.path().join("parts"))?, &ReadOptions::strict())?;
    /// assert_eq!(parts.discover(&DiscoveryParams::new())?, discover(&world.tables, &DiscoveryParams::new())?);
    /// # Ok(()) }
    /// ```
    pub fn discover(&self, params: &DiscoveryParams) -> Result<Discovery> {
        params.check()?;
        let until = match params.until {
            Some(d) => d,
            None => self
                .counts
                .data_end
                .finish()
                .map(|d| d.day)
                .ok_or(Error::EmptyData { context: "event catalogue discovery: the tables hold no dates" })?,
        };
        // The standard catalogue only fixes the context's churn censoring day and attribute
        // kinds here; discovery reads neither the catalogue nor the attributes.
        let context = self.context(&FeatureCatalogue::standard())?;
        let counted = for_each_part(self.parts.len(), |i| {
            let (part, _) = self.read_part(i, Some(&context))?;
            DiscoveryCounts::from_tables(&part.tables, params, until)
        })?;
        let mut counted = counted.into_iter();
        let Some(mut all) = counted.next() else {
            return Err(Error::EmptyData { context: "partitioned dataset: no partitions" });
        };
        for c in counted {
            all.merge(&c)?;
        }
        all.finish(params)
    }

    /// [`crate::catalogue::choose_event_catalogue`] over all partitions: the simulator's
    /// catalogue when at least half of its event types occur in some partition, otherwise the
    /// one [`discovered`](PartitionedTables::discover) over all partitions with `params`.
    pub fn choose_event_catalogue(&self, params: &DiscoveryParams) -> Result<ChosenCatalogue> {
        crate::catalogue::choose_with(simulator_catalogue_applies_to(self.event_types()), || self.discover(params))
    }
}
