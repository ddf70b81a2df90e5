//! [`Locations`]: where the parts of one manifest are, as a side table the semantic
//! rules read to point each problem at its source. The rules run on the typed
//! resource; only this table knows whether it came from a YAML file (lines and
//! columns) or from the cluster (field paths).

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::SourceLoc;
use super::diagnostic::FileRef;
use super::node::{Mark, Node, NodeValue};

/// A part of a manifest the rules point at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// The document (or object) as a whole.
    Document,
    /// `metadata`.
    Metadata,
    /// `metadata.name`.
    Name,
    /// `metadata.namespace`.
    Namespace,
    /// A field of `spec`.
    Spec(SpecField),
    /// The register entry at this index of the register list.
    Register(usize),
    /// A field of the register entry at this index.
    RegisterField(usize, RegisterField),
    /// The write window at this index of `spec.writeWindows`.
    WriteWindow(usize),
    /// A key of a map-valued field of `spec` (`spec.limits.maxGap`, `spec.tls.caFile`);
    /// located at the field when the key is not written.
    SpecKey(SpecField, &'static str),
}

/// The fields of `spec` the rules point at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpecField {
    DeviceAddress,
    Port,
    UnitId,
    TimeoutMs,
    PollIntervalSecs,
    MinWriteIntervalMs,
    Registers,
    WriteWindows,
    TargetRegister,
    TargetValue,
    Limits,
    Transport,
    Tls,
    Serial,
    Model,
    Values,
}

impl SpecField {
    const COUNT: usize = 16;

    /// The field's name in manifests.
    pub fn key(self) -> &'static str {
        match self {
            SpecField::DeviceAddress => "deviceAddress",
            SpecField::Port => "port",
            SpecField::UnitId => "unitId",
            SpecField::TimeoutMs => "timeoutMs",
            SpecField::PollIntervalSecs => "pollIntervalSecs",
            SpecField::MinWriteIntervalMs => "minWriteIntervalMs",
            SpecField::Registers => "registers",
            SpecField::WriteWindows => "writeWindows",
            SpecField::TargetRegister => "targetRegister",
            SpecField::TargetValue => "targetValue",
            SpecField::Limits => "limits",
            SpecField::Transport => "transport",
            SpecField::Tls => "tls",
            SpecField::Serial => "serial",
            SpecField::Model => "model",
            SpecField::Values => "values",
        }
    }

    fn of_key(key: &str) -> Option<SpecField> {
        Some(match key {
            "deviceAddress" => SpecField::DeviceAddress,
            "port" => SpecField::Port,
            "unitId" => SpecField::UnitId,
            "timeoutMs" => SpecField::TimeoutMs,
            "pollIntervalSecs" => SpecField::PollIntervalSecs,
            "minWriteIntervalMs" => SpecField::MinWriteIntervalMs,
            "registers" => SpecField::Registers,
            "writeWindows" => SpecField::WriteWindows,
            "targetRegister" => SpecField::TargetRegister,
            "targetValue" => SpecField::TargetValue,
            "limits" => SpecField::Limits,
            "transport" => SpecField::Transport,
            "tls" => SpecField::Tls,
            "serial" => SpecField::Serial,
            "model" => SpecField::Model,
            "values" => SpecField::Values,
            _ => return None,
        })
    }
}

/// The fields of a register entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegisterField {
    Name,
    Address,
    Kind,
    Type,
    WordOrder,
    Scale,
    Offset,
    Value,
    Tolerance,
    Min,
    Max,
    Mode,
    Bit,
    ReadAddress,
    ByteOrder,
    Length,
}

impl RegisterField {
    const COUNT: usize = 16;

    /// The field's name in manifests.
    pub fn key(self) -> &'static str {
        match self {
            RegisterField::Name => "name",
            RegisterField::Address => "address",
            RegisterField::Kind => "kind",
            RegisterField::Type => "type",
            RegisterField::WordOrder => "wordOrder",
            RegisterField::Scale => "scale",
            RegisterField::Offset => "offset",
            RegisterField::Value => "value",
            RegisterField::Tolerance => "tolerance",
            RegisterField::Min => "min",
            RegisterField::Max => "max",
            RegisterField::Mode => "mode",
            RegisterField::Bit => "bit",
            RegisterField::ReadAddress => "readAddress",
            RegisterField::ByteOrder => "byteOrder",
            RegisterField::Length => "length",
        }
    }

    fn of_key(key: &str) -> Option<RegisterField> {
        Some(match key {
            "name" => RegisterField::Name,
            "address" => RegisterField::Address,
            "kind" => RegisterField::Kind,
            "type" => RegisterField::Type,
            "wordOrder" => RegisterField::WordOrder,
            "scale" => RegisterField::Scale,
            "offset" => RegisterField::Offset,
            "value" => RegisterField::Value,
            "tolerance" => RegisterField::Tolerance,
            "min" => RegisterField::Min,
            "max" => RegisterField::Max,
            "mode" => RegisterField::Mode,
            "bit" => RegisterField::Bit,
            "readAddress" => RegisterField::ReadAddress,
            "byteOrder" => RegisterField::ByteOrder,
            "length" => RegisterField::Length,
            _ => return None,
        })
    }
}

/// A line and column (1-based), compact: a fleet's table holds one per register field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pos {
    line: u32,
    column: u32,
}

impl Pos {
    pub fn new(line: u64, column: u64) -> Pos {
        Pos {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }
}

impl From<&Mark> for Pos {
    fn from(mark: &Mark) -> Pos {
        Pos::new(mark.line, mark.column)
    }
}

/// Where one register entry and each field written in it are.
#[derive(Clone, Debug, Default)]
pub struct EntrySpans {
    pub at: Pos,
    fields: [Option<Pos>; RegisterField::COUNT],
}

impl EntrySpans {
    /// An entry whose fields are not recorded (they are located at the entry).
    pub fn at(at: Pos) -> EntrySpans {
        EntrySpans {
            at,
            fields: Default::default(),
        }
    }
}

/// Where the parts of one manifest are.
#[derive(Clone, Debug)]
pub struct Locations {
    origin: Origin,
    /// The path of the register list in messages: `spec.registers` in manifests.
    registers_path: Cow<'static, str>,
    /// For a document checked without its broken register entries: the index in the
    /// document of each entry checked.
    register_indices: Option<Vec<usize>>,
    /// For a PLC resolved with its model: where the inherited parts are.
    inherited: Option<Arc<Inherited>>,
}

/// The locations of what a PLC inherits from its `PLCModel`.
#[derive(Clone, Debug)]
struct Inherited {
    /// Shared by every PLC of the model.
    model: Arc<Locations>,
    /// Where each register of the resolved list comes from.
    entries: Vec<InheritedEntry>,
}

/// Where one register of a PLC resolved with its model comes from.
#[derive(Clone, Debug)]
pub enum InheritedEntry {
    /// The model's register at `index`; `value`: where the PLC sets its value
    /// (`spec.values.NAME`), if it does.
    Model {
        index: usize,
        value: Option<SourceLoc>,
    },
    /// The PLC's own register at this index of its `spec.registers`.
    Own(usize),
}

/// Which table answers for a field of a resolved PLC.
enum Route<'a> {
    Own(Field),
    Model(&'a Locations, Field),
    Value(&'a SourceLoc),
}

#[derive(Clone, Debug)]
enum Origin {
    /// Lines and columns in a file; what is not recorded is located at its parent.
    File {
        file: FileRef,
        document: Pos,
        spec: Option<Pos>,
        spec_fields: Box<[Option<Pos>; SpecField::COUNT]>,
        registers: Vec<EntrySpans>,
        windows: Vec<Pos>,
        /// The keys written in map-valued fields of `spec` (limits, tls, serial).
        keys: Vec<(SpecField, String, Pos)>,
    },
    /// An object read from the cluster, which has no lines: located by its name (for
    /// example `cluster:namespace/name`) and the field path, in place of a file name.
    Object { name: Arc<PathBuf> },
}

impl Locations {
    /// The table of a manifest document, from its YAML tree.
    pub fn of_document(doc: &Node, file: &FileRef) -> Locations {
        let spec = doc.value.get("spec");
        let mut spec_fields = [None; SpecField::COUNT];
        let mut registers = Vec::new();
        let mut windows = Vec::new();
        let mut keys = Vec::new();
        if let Some(NodeValue::Map(entries)) = spec.map(|s| &s.value) {
            for (key, value) in entries {
                let Some(field) = SpecField::of_key(&key.value) else {
                    continue;
                };
                let slot = &mut spec_fields[field as usize];
                if slot.is_some() {
                    continue;
                }
                *slot = Some(Pos::from(&value.referenced));
                match (field, &value.value) {
                    (SpecField::Registers, NodeValue::Seq(items)) => {
                        registers = items.iter().map(entry_spans).collect();
                    }
                    (SpecField::WriteWindows, NodeValue::Seq(items)) => {
                        windows = items.iter().map(|n| Pos::from(&n.referenced)).collect();
                    }
                    (_, NodeValue::Map(fields)) => {
                        keys.extend(
                            fields.iter().map(|(k, v)| {
                                (field, k.value.to_string(), Pos::from(&v.referenced))
                            }),
                        );
                    }
                    _ => {}
                }
            }
        }
        Locations {
            origin: Origin::File {
                file: file.clone(),
                document: Pos::from(&doc.referenced),
                spec: spec.map(|s| Pos::from(&s.referenced)),
                spec_fields: Box::new(spec_fields),
                registers,
                windows,
                keys,
            },
            registers_path: Cow::Borrowed("spec.registers"),
            register_indices: None,
            inherited: None,
        }
    }

    /// The table of a register list in a file that is not a manifest (a simulator
    /// scenario): the list's path in messages and its entries.
    pub fn of_register_list(file: &FileRef, path: String, registers: Vec<EntrySpans>) -> Locations {
        Locations {
            origin: Origin::File {
                file: file.clone(),
                document: registers.first().map(|e| e.at).unwrap_or_default(),
                spec: None,
                spec_fields: Box::new([None; SpecField::COUNT]),
                registers,
                windows: Vec::new(),
                keys: Vec::new(),
            },
            registers_path: Cow::Owned(path),
            register_indices: None,
            inherited: None,
        }
    }

    /// The table of an object read from the cluster: locations render as
    /// `NAME:field.path` (`cluster:plant-a/press-1:spec.registers[2].value`).
    pub fn object(name: &str) -> Locations {
        Locations {
            origin: Origin::Object {
                name: Arc::new(PathBuf::from(name)),
            },
            registers_path: Cow::Borrowed("spec.registers"),
            register_indices: None,
            inherited: None,
        }
    }

    /// The directory of the manifest file, against which relative paths in it are
    /// read; `None` for an object from the cluster (paths are the agent's own).
    pub fn directory(&self) -> Option<&Path> {
        match &self.origin {
            Origin::File { file, .. } => Some(file.0.parent().unwrap_or(Path::new(""))),
            Origin::Object { .. } => None,
        }
    }

    /// The path of the register list, as messages name it.
    pub fn registers_path(&self) -> &str {
        &self.registers_path
    }

    /// The table of a document whose register list holds only some of its entries:
    /// entry `i` is the document's entry `indices[i]`, as [`Self::register_path`]
    /// names it.
    pub fn with_register_indices(mut self, indices: Vec<usize>) -> Locations {
        self.register_indices = Some(indices);
        self
    }

    /// The path of register entry `index`, as messages name it
    /// (`spec.registers[3]`).
    pub fn register_path(&self, index: usize) -> String {
        let index = match self.route(Field::Register(index)) {
            Route::Own(Field::Register(i)) => i,
            Route::Model(model, Field::Register(i)) => return model.register_path(i),
            _ => index,
        };
        let Field::Register(index) = self.in_document(Field::Register(index)) else {
            unreachable!("a register stays a register")
        };
        format!("{}[{index}]", self.registers_path)
    }

    /// Where `field` is; in a file, a field not written is located at its parent.
    pub fn at(&self, field: Field) -> SourceLoc {
        let field = match self.route(field) {
            Route::Own(field) => field,
            Route::Model(model, field) => return model.at(field),
            Route::Value(loc) => return loc.clone(),
        };
        match &self.origin {
            Origin::File {
                file,
                document,
                spec,
                spec_fields,
                registers,
                windows,
                keys,
            } => {
                let at = |p: Pos| file.at(p.line.into(), p.column.into());
                let at_spec =
                    |f: SpecField| at(spec_fields[f as usize].or(*spec).unwrap_or(*document));
                match field {
                    Field::Document | Field::Metadata | Field::Name | Field::Namespace => {
                        at(*document)
                    }
                    Field::Spec(f) => at_spec(f),
                    Field::Register(i) => {
                        registers.get(i).map_or_else(|| file.whole(), |e| at(e.at))
                    }
                    Field::RegisterField(i, f) => registers.get(i).map_or_else(
                        || file.whole(),
                        |e| at(e.fields[f as usize].unwrap_or(e.at)),
                    ),
                    Field::WriteWindow(i) => windows
                        .get(i)
                        .map_or_else(|| at_spec(SpecField::WriteWindows), |p| at(*p)),
                    Field::SpecKey(f, key) => keys
                        .iter()
                        .find(|(field, k, _)| *field == f && k == key)
                        .map_or_else(|| at_spec(f), |(_, _, p)| at(*p)),
                }
            }
            Origin::Object { name } => SourceLoc {
                file: match field {
                    Field::Document => Arc::clone(name),
                    field => {
                        let path = self.path(self.in_document(field));
                        Arc::new(PathBuf::from(format!("{}:{path}", name.display())))
                    }
                },
                line: 0,
                column: 0,
            },
        }
    }

    /// Whether the source spells `field` out rather than leaving it to its default.
    /// An object read from the cluster holds every field (the API server stores the
    /// defaults); a file's table knows only the fields it recorded.
    pub fn is_written(&self, field: Field) -> bool {
        let field = match self.route(field) {
            Route::Own(field) => field,
            Route::Model(model, field) => return model.is_written(field),
            Route::Value(_) => return true,
        };
        match &self.origin {
            Origin::Object { .. } => true,
            Origin::File {
                spec_fields,
                registers,
                keys,
                ..
            } => match field {
                Field::Spec(f) => spec_fields[f as usize].is_some(),
                Field::SpecKey(f, key) => keys.iter().any(|(field, k, _)| *field == f && k == key),
                Field::RegisterField(i, f) => registers
                    .get(i)
                    .is_some_and(|e| e.fields[f as usize].is_some()),
                _ => true,
            },
        }
    }

    /// The table of a PLC resolved with its model: register `i` of the resolved list
    /// is located where `entries[i]` says; `limits` and `transport` the PLC does not
    /// write are the model's.
    pub fn inheriting(mut self, model: Arc<Locations>, entries: Vec<InheritedEntry>) -> Locations {
        self.inherited = Some(Arc::new(Inherited { model, entries }));
        self
    }

    /// Where `spec.values` sets the value of register `name` (at `spec.values` when it
    /// does not).
    pub fn value_entry(&self, name: &str) -> SourceLoc {
        match &self.origin {
            Origin::File { file, keys, .. } => keys
                .iter()
                .find(|(f, k, _)| *f == SpecField::Values && k == name)
                .map_or_else(
                    || self.at(Field::Spec(SpecField::Values)),
                    |(_, _, p)| file.at(p.line.into(), p.column.into()),
                ),
            Origin::Object { name: object } => SourceLoc {
                file: Arc::new(PathBuf::from(format!(
                    "{}:spec.values.{name}",
                    object.display()
                ))),
                line: 0,
                column: 0,
            },
        }
    }

    /// Whether the value of register `index` is one the PLC sets for its model's
    /// register in `spec.values`.
    pub fn inherits_value(&self, index: usize) -> bool {
        matches!(
            self.route(Field::RegisterField(index, RegisterField::Value)),
            Route::Value(_)
        )
    }

    /// Which table answers for `field`: the model's for what the PLC inherits.
    fn route(&self, field: Field) -> Route<'_> {
        let Some(inherited) = &self.inherited else {
            return Route::Own(field);
        };
        let model = &inherited.model;
        let register = match field {
            Field::Register(i) => Some((i, None)),
            Field::RegisterField(i, f) => Some((i, Some(f))),
            _ => None,
        };
        let at_index = |i: usize, f: Option<RegisterField>| match f {
            Some(f) => Field::RegisterField(i, f),
            None => Field::Register(i),
        };
        if let Some((i, f)) = register
            && let Some(entry) = inherited.entries.get(i)
        {
            return match (entry, f) {
                (
                    InheritedEntry::Model {
                        value: Some(loc), ..
                    },
                    Some(RegisterField::Value),
                ) => Route::Value(loc),
                (InheritedEntry::Model { index, .. }, f) => {
                    Route::Model(model, at_index(*index, f))
                }
                (InheritedEntry::Own(own), f) => Route::Own(at_index(*own, f)),
            };
        }
        match field {
            Field::Spec(f @ (SpecField::Limits | SpecField::Transport))
            | Field::SpecKey(f @ (SpecField::Limits | SpecField::Transport), _)
                if !self.writes_own(f) =>
            {
                Route::Model(model, field)
            }
            field => Route::Own(field),
        }
    }

    /// Whether the PLC's own source writes spec field `f`.
    fn writes_own(&self, f: SpecField) -> bool {
        match &self.origin {
            Origin::Object { .. } => true,
            Origin::File { spec_fields, .. } => spec_fields[f as usize].is_some(),
        }
    }

    /// `field` with its register index as the document counts it (an object's
    /// table names fields by path, not by a table of the entries kept).
    fn in_document(&self, field: Field) -> Field {
        let original = |i: usize| {
            self.register_indices
                .as_ref()
                .and_then(|indices| indices.get(i).copied())
                .unwrap_or(i)
        };
        match field {
            Field::Register(i) => Field::Register(original(i)),
            Field::RegisterField(i, f) => Field::RegisterField(original(i), f),
            field => field,
        }
    }

    fn path(&self, field: Field) -> FieldPath<'_> {
        FieldPath {
            field,
            registers: &self.registers_path,
        }
    }
}

fn entry_spans(node: &Node) -> EntrySpans {
    let mut spans = EntrySpans::at(Pos::from(&node.referenced));
    if let NodeValue::Map(entries) = &node.value {
        for (key, value) in entries {
            if let Some(f) = RegisterField::of_key(&key.value) {
                let slot = &mut spans.fields[f as usize];
                if slot.is_none() {
                    *slot = Some(Pos::from(&value.referenced));
                }
            }
        }
    }
    spans
}

/// A field as a path, `spec.registers[2].value`.
struct FieldPath<'a> {
    field: Field,
    registers: &'a str,
}

impl fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.field {
            Field::Document => Ok(()),
            Field::Metadata => f.write_str("metadata"),
            Field::Name => f.write_str("metadata.name"),
            Field::Namespace => f.write_str("metadata.namespace"),
            Field::Spec(field) => write!(f, "spec.{}", field.key()),
            Field::Register(i) => write!(f, "{}[{i}]", self.registers),
            Field::RegisterField(i, field) => write!(f, "{}[{i}].{}", self.registers, field.key()),
            Field::WriteWindow(i) => write!(f, "spec.writeWindows[{i}]"),
            Field::SpecKey(field, key) => write!(f, "spec.{}.{key}", field.key()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn every_field_has_its_own_slot_and_key() {
        use RegisterField::*;
        let all = [
            Name,
            Address,
            Kind,
            Type,
            WordOrder,
            Scale,
            Offset,
            Value,
            Tolerance,
            Min,
            Max,
            Mode,
            Bit,
            ReadAddress,
            ByteOrder,
            Length,
        ];
        assert_eq!(all.len(), RegisterField::COUNT);
        for (i, field) in all.into_iter().enumerate() {
            assert_eq!(field as usize, i);
            assert_eq!(RegisterField::of_key(field.key()), Some(field));
        }
        assert_eq!(RegisterField::of_key("adress"), None);
        use SpecField::*;
        let all = [
            DeviceAddress,
            Port,
            UnitId,
            TimeoutMs,
            PollIntervalSecs,
            MinWriteIntervalMs,
            Registers,
            WriteWindows,
            TargetRegister,
            TargetValue,
            Limits,
            Transport,
            Tls,
            Serial,
            Model,
            Values,
        ];
        assert_eq!(all.len(), SpecField::COUNT);
        for (i, field) in all.into_iter().enumerate() {
            assert_eq!(field as usize, i);
            assert_eq!(SpecField::of_key(field.key()), Some(field));
        }
    }

    fn document(text: &str) -> Locations {
        let docs = super::super::node::parse_documents(text).expect("valid YAML");
        Locations::of_document(&docs[0], &FileRef::new(Path::new("m.yaml")))
    }

    #[test]
    fn a_file_table_holds_the_lines_of_the_fields_written() {
        let locs = document(
            "apiVersion: fabgitops.io/v1\nkind: IndustrialPLC\nmetadata: {name: p}\nspec:\n  deviceAddress: 10.0.0.1\n  registers:\n    - name: a\n      address: 1\n      value: 2\n  writeWindows:\n    - {schedule: \"0 22 * * *\", duration: 8h}\n",
        );
        let at = |field| locs.at(field).to_string();
        assert_eq!(at(Field::Document), "m.yaml:1:1");
        assert_eq!(at(Field::Spec(SpecField::DeviceAddress)), "m.yaml:5:18");
        assert_eq!(at(Field::Register(0)), "m.yaml:7:7");
        assert_eq!(
            at(Field::RegisterField(0, RegisterField::Value)),
            "m.yaml:9:14"
        );
        assert_eq!(at(Field::WriteWindow(0)), "m.yaml:11:7");
        // Not written: located at the parent.
        assert_eq!(at(Field::Spec(SpecField::Port)), "m.yaml:5:3");
        assert_eq!(
            at(Field::RegisterField(0, RegisterField::Mode)),
            "m.yaml:7:7"
        );
        assert!(locs.is_written(Field::RegisterField(0, RegisterField::Address)));
        assert!(!locs.is_written(Field::RegisterField(0, RegisterField::Mode)));
        // An entry the table does not hold: the file as a whole.
        assert_eq!(at(Field::Register(5)), "m.yaml");
    }

    #[test]
    fn a_document_without_spec_locates_everything_at_the_document() {
        let locs = document("---\napiVersion: fabgitops.io/v1\nkind: IndustrialPLC\n");
        assert_eq!(
            locs.at(Field::Spec(SpecField::Registers)),
            locs.at(Field::Document)
        );
        assert_eq!(locs.at(Field::WriteWindow(0)), locs.at(Field::Document));
    }

    #[test]
    fn an_object_table_names_the_object_and_the_field_path() {
        let locs = Locations::object("cluster:plant-a/press-1");
        let at = |field| locs.at(field).to_string();
        assert_eq!(at(Field::Document), "cluster:plant-a/press-1");
        assert_eq!(at(Field::Name), "cluster:plant-a/press-1:metadata.name");
        assert_eq!(
            at(Field::Spec(SpecField::TargetValue)),
            "cluster:plant-a/press-1:spec.targetValue"
        );
        assert_eq!(
            at(Field::RegisterField(2, RegisterField::Value)),
            "cluster:plant-a/press-1:spec.registers[2].value"
        );
        assert_eq!(
            at(Field::WriteWindow(1)),
            "cluster:plant-a/press-1:spec.writeWindows[1]"
        );
        assert!(locs.is_written(Field::RegisterField(0, RegisterField::Mode)));
    }

    #[test]
    fn a_register_list_table_names_its_own_path_and_locates_fields_at_entries() {
        let file = FileRef::new(Path::new("sim/s.yaml"));
        let locs = Locations::of_register_list(
            &file,
            "devices[1].registers".to_owned(),
            vec![EntrySpans::at(Pos::new(8, 9))],
        );
        assert_eq!(locs.registers_path(), "devices[1].registers");
        assert_eq!(
            locs.at(Field::RegisterField(0, RegisterField::Value))
                .to_string(),
            "sim/s.yaml:8:9"
        );
        assert!(!locs.is_written(Field::RegisterField(0, RegisterField::Mode)));
    }
}
