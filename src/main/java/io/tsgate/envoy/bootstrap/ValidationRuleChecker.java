package io.tsgate.envoy.bootstrap;

import com.google.protobuf.Any;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.pgv.validate.Validate.FieldRules;
import io.envoyproxy.pgv.validate.Validate;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks the protoc-gen-validate rules Envoy's protos carry ({@code (validate.rules)}, {@code (validate.required)})
 * that a config most often breaks: required messages and oneofs, string lengths, numeric and duration bounds,
 * defined enum values, minimum list sizes. Recurses into {@code Any} values it can resolve, as Envoy validates an
 * extension's config when it loads it. Rules outside that subset (patterns, well-known string formats, item rules)
 * are left to Envoy.
 */
final class ValidationRuleChecker {

    private static final String WRAPPERS = "google.protobuf.";

    private final JsonFormat.TypeRegistry types;
    private final List<String> violations = new ArrayList<>();

    private ValidationRuleChecker(JsonFormat.TypeRegistry types) {
        this.types = types;
    }

    /** Every violation in {@code message}, each as "field.path: what is wrong"; empty when none. */
    static List<String> violations(Message message, JsonFormat.TypeRegistry types) {
        ValidationRuleChecker checker = new ValidationRuleChecker(types);
        checker.check(message, "");
        return checker.violations;
    }

    private void check(Message message, String path) {
        if (message.getDescriptorForType().getFullName().equals("google.protobuf.Any")) {
            // Inside an unpacked extension, messages are dynamic: read the Any from its bytes.
            try {
                checkAny(Any.parseFrom(message.toByteString()), path);
            } catch (InvalidProtocolBufferException e) {
                violations.add(path + ": unreadable Any");
            }
            return;
        }
        for (OneofDescriptor oneof : message.getDescriptorForType().getOneofs()) {
            if (oneof.getOptions().getExtension(Validate.required) && !message.hasOneof(oneof)) {
                violations.add(join(path, oneof.getName()) + ": one of its fields must be set");
            }
        }
        for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
            String fieldPath = join(path, field.getName());
            FieldRules rules = field.getOptions().getExtension(Validate.rules);
            if (field.isRepeated()) {
                checkRepeated(message, field, rules, fieldPath);
            } else if (field.getContainingOneof() == null || message.hasField(field)) {
                checkSingle(message, field, rules, fieldPath);
            }
        }
    }

    private void checkAny(Any any, String path) {
        try {
            var descriptor = types.find(any.getTypeUrl().substring(any.getTypeUrl().lastIndexOf('/') + 1));
            if (descriptor != null) {
                Message unpacked = com.google.protobuf.DynamicMessage.parseFrom(descriptor, any.getValue());
                check(unpacked, path + "(" + descriptor.getName() + ")");
            }
        } catch (InvalidProtocolBufferException e) {
            violations.add(path + ": cannot be read as " + any.getTypeUrl());
        }
    }

    private void checkRepeated(Message message, FieldDescriptor field, FieldRules rules, String path) {
        int count = message.getRepeatedFieldCount(field);
        if (rules.hasRepeated() && rules.getRepeated().hasMinItems() && count < rules.getRepeated().getMinItems()) {
            violations.add(path + ": needs at least " + rules.getRepeated().getMinItems() + " item(s)");
        }
        if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
            for (int i = 0; i < count; i++) {
                Message item = (Message) message.getRepeatedField(field, i);
                check(item, field.isMapField() ? path + "[" + mapKey(item) + "]" : path + "[" + i + "]");
            }
        }
    }

    private static Object mapKey(Message entry) {
        return entry.getField(entry.getDescriptorForType().findFieldByName("key"));
    }

    private void checkSingle(Message message, FieldDescriptor field, FieldRules rules, String path) {
        if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
            checkScalar(message.getField(field), rules, path);
            return;
        }
        boolean set = message.hasField(field);
        boolean required = rules.getMessage().getRequired()
                || rules.hasDuration() && rules.getDuration().getRequired()
                || rules.hasAny() && rules.getAny().getRequired();
        if (!set) {
            if (required) {
                violations.add(path + ": is required");
            }
            return;
        }
        Message value = (Message) message.getField(field);
        String typeName = value.getDescriptorForType().getFullName();
        if (typeName.equals("google.protobuf.Duration")) {
            checkDuration(asDuration(value), rules, path);
        } else if (typeName.startsWith(WRAPPERS) && typeName.endsWith("Value")) {
            checkScalar(value.getField(value.getDescriptorForType().findFieldByName("value")), rules, path);
        } else if (!rules.getMessage().getSkip()) {
            check(value, path);
        }
    }

    private void checkScalar(Object value, FieldRules rules, String path) {
        if (rules.hasString() && value instanceof String s) {
            var r = rules.getString();
            if (r.getIgnoreEmpty() && s.isEmpty()) {
                return;
            }
            if (r.hasMinLen() && s.codePointCount(0, s.length()) < r.getMinLen()) {
                violations.add(path + ": must have at least " + r.getMinLen() + " character(s)");
            }
            if (r.hasMinBytes() && s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < r.getMinBytes()) {
                violations.add(path + ": must have at least " + r.getMinBytes() + " byte(s)");
            }
            if (r.hasMaxLen() && s.codePointCount(0, s.length()) > r.getMaxLen()) {
                violations.add(path + ": must have at most " + r.getMaxLen() + " character(s)");
            }
        } else if (rules.hasUint32() && value instanceof Integer i) {
            var r = rules.getUint32();
            bounds(Integer.toUnsignedLong(i), r.hasGt(), r.getGt() & 0xffffffffL, r.hasGte(), r.getGte() & 0xffffffffL,
                    r.hasLt(), r.getLt() & 0xffffffffL, r.hasLte(), r.getLte() & 0xffffffffL, path);
        } else if (rules.hasUint64() && value instanceof Long l) {
            var r = rules.getUint64();
            bounds(l, r.hasGt(), r.getGt(), r.hasGte(), r.getGte(), r.hasLt(), r.getLt(), r.hasLte(), r.getLte(), path);
        } else if (rules.hasInt32() && value instanceof Integer i) {
            var r = rules.getInt32();
            bounds(i, r.hasGt(), r.getGt(), r.hasGte(), r.getGte(), r.hasLt(), r.getLt(), r.hasLte(), r.getLte(), path);
        } else if (rules.hasInt64() && value instanceof Long l) {
            var r = rules.getInt64();
            bounds(l, r.hasGt(), r.getGt(), r.hasGte(), r.getGte(), r.hasLt(), r.getLt(), r.hasLte(), r.getLte(), path);
        } else if (rules.hasEnum() && value instanceof EnumValueDescriptor e) {
            var r = rules.getEnum();
            if (r.getNotInList().contains(e.getNumber())) {
                violations.add(path + ": " + e.getName() + " is not allowed here");
            }
            if (r.getDefinedOnly() && e.getIndex() < 0) {
                violations.add(path + ": " + e.getNumber() + " is not a defined value");
            }
        }
    }

    private void bounds(long v, boolean hasGt, long gt, boolean hasGte, long gte, boolean hasLt, long lt,
                        boolean hasLte, long lte, String path) {
        // Written for unsigned 32-bit and signed values; uint64 values above Long.MAX_VALUE do not occur in configs.
        if (hasGt && !(v > gt) || hasGte && !(v >= gte) || hasLt && !(v < lt) || hasLte && !(v <= lte)) {
            violations.add(path + ": " + v + " is out of range" + range(hasGt, gt, hasGte, gte, hasLt, lt, hasLte, lte));
        }
    }

    private static String range(boolean hasGt, long gt, boolean hasGte, long gte, boolean hasLt, long lt,
                                boolean hasLte, long lte) {
        StringBuilder s = new StringBuilder(" (must be");
        if (hasGt) {
            s.append(" > ").append(gt);
        }
        if (hasGte) {
            s.append(" >= ").append(gte);
        }
        if (hasLt) {
            s.append(" < ").append(lt);
        }
        if (hasLte) {
            s.append(" <= ").append(lte);
        }
        return s.append(')').toString();
    }

    private void checkDuration(Duration d, FieldRules rules, String path) {
        if (!rules.hasDuration()) {
            return;
        }
        var r = rules.getDuration();
        if (r.hasGt() && compare(d, r.getGt()) <= 0) {
            violations.add(path + ": must be longer than " + seconds(r.getGt()));
        }
        if (r.hasGte() && compare(d, r.getGte()) < 0) {
            violations.add(path + ": must be at least " + seconds(r.getGte()));
        }
        if (r.hasLt() && compare(d, r.getLt()) >= 0) {
            violations.add(path + ": must be shorter than " + seconds(r.getLt()));
        }
        if (r.hasLte() && compare(d, r.getLte()) > 0) {
            violations.add(path + ": must be at most " + seconds(r.getLte()));
        }
    }

    private static Duration asDuration(Message value) {
        try {
            return value instanceof Duration d ? d : Duration.parseFrom(value.toByteString());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("a Duration that does not parse as one", e);
        }
    }

    private static int compare(Duration a, Duration b) {
        int bySeconds = Long.compare(a.getSeconds(), b.getSeconds());
        return bySeconds != 0 ? bySeconds : Integer.compare(a.getNanos(), b.getNanos());
    }

    private static String seconds(Duration d) {
        return java.time.Duration.ofSeconds(d.getSeconds(), d.getNanos()).toString();
    }

    private static String join(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }
}
