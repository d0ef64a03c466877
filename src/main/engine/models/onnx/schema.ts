/**
 * The part of the ONNX protobuf schema (onnx.proto, IR version 3–9) that a classifier graph uses,
 * as a protobufjs descriptor: models, graphs, nodes, attributes, tensors and value infos. Field
 * numbers are the schema's; fields left out (sparse tensors, training info, functions) are
 * skipped by the decoder and refused later by name where they matter.
 */
import protobuf from 'protobufjs';

const opt = (type: string, id: number) => ({ type, id });
const rep = (type: string, id: number) => ({ type, id, rule: 'repeated' });

const descriptor = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: {
          fields: {
            name: opt('string', 1),
            type: opt('int32', 20),
            f: opt('float', 2),
            i: opt('int64', 3),
            s: opt('bytes', 4),
            t: opt('TensorProto', 5),
            g: opt('GraphProto', 6),
            floats: rep('float', 7),
            ints: rep('int64', 8),
            strings: rep('bytes', 9),
            tensors: rep('TensorProto', 10),
            graphs: rep('GraphProto', 11),
            refAttrName: opt('string', 21),
          },
        },
        ValueInfoProto: {
          fields: {
            name: opt('string', 1),
            type: opt('TypeProto', 2),
            docString: opt('string', 3),
          },
        },
        NodeProto: {
          fields: {
            input: rep('string', 1),
            output: rep('string', 2),
            name: opt('string', 3),
            opType: opt('string', 4),
            domain: opt('string', 7),
            attribute: rep('AttributeProto', 5),
            docString: opt('string', 6),
          },
        },
        StringStringEntryProto: { fields: { key: opt('string', 1), value: opt('string', 2) } },
        OperatorSetIdProto: { fields: { domain: opt('string', 1), version: opt('int64', 2) } },
        ModelProto: {
          fields: {
            irVersion: opt('int64', 1),
            opsetImport: rep('OperatorSetIdProto', 8),
            producerName: opt('string', 2),
            producerVersion: opt('string', 3),
            domain: opt('string', 4),
            modelVersion: opt('int64', 5),
            docString: opt('string', 6),
            graph: opt('GraphProto', 7),
            metadataProps: rep('StringStringEntryProto', 14),
          },
        },
        GraphProto: {
          fields: {
            node: rep('NodeProto', 1),
            name: opt('string', 2),
            initializer: rep('TensorProto', 5),
            docString: opt('string', 10),
            input: rep('ValueInfoProto', 11),
            output: rep('ValueInfoProto', 12),
            valueInfo: rep('ValueInfoProto', 13),
          },
        },
        TensorProto: {
          fields: {
            dims: rep('int64', 1),
            dataType: opt('int32', 2),
            floatData: { ...rep('float', 4), options: { packed: true } },
            int32Data: { ...rep('int32', 5), options: { packed: true } },
            stringData: rep('bytes', 6),
            int64Data: { ...rep('int64', 7), options: { packed: true } },
            name: opt('string', 8),
            docString: opt('string', 12),
            rawData: opt('bytes', 9),
            externalData: rep('StringStringEntryProto', 13),
            dataLocation: opt('int32', 14),
            doubleData: { ...rep('double', 10), options: { packed: true } },
            uint64Data: { ...rep('uint64', 11), options: { packed: true } },
          },
        },
        TensorShapeProto: {
          fields: { dim: rep('Dimension', 1) },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
              fields: {
                dimValue: opt('int64', 1),
                dimParam: opt('string', 2),
                denotation: opt('string', 3),
              },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensorType'] } },
          fields: { tensorType: opt('Tensor', 1), denotation: opt('string', 6) },
          nested: {
            Tensor: {
              fields: { elemType: opt('int32', 1), shape: opt('TensorShapeProto', 2) },
            },
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(descriptor);

/** The ModelProto message type, for decoding and encoding whole .onnx files. */
export const ModelProtoType = root.lookupType('onnx.ModelProto');

/** ONNX TensorProto.DataType values the importer reads or writes. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
} as const;

/** AttributeProto.AttributeType values. */
export const AttributeType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
} as const;
