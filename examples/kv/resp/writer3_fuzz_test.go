package resp

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
)

// FuzzWriterRESP3 builds a reply from the fuzzer's bytes with every write
// method, writes it in RESP3 and in RESP2, and reads both back with a
// decoder written from the protocol's spec: each must be one well-formed
// reply of the shape written, RESP2 holding only RESP2's types and RESP3's
// aggregates their own.
func FuzzWriterRESP3(f *testing.F) {
	for _, seed := range [][]byte{
		{opMap, 2, opBulk, 1, 'a', opDouble, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, opBulk, 0, opNull},
		{opSet, 3, opBool, 1, opBool, 0, opNullArray},
		{opPush, 3, opBulk, 7, 'm', 'e', 's', 's', 'a', 'g', 'e', opBulk, 1, 'c', opBulk, 1, 'x'},
		{opArray, 2, opArray, 2, opBulk, 1, 'b', opDouble, 0, 0, 0, 0, 0, 0, 0xf0, 0x7f, opInt, 9},
		{opVerbatim, 5, 'i', 'd', '=', '1', '\n', opError, 3, 'E', '\r', 'x', opSimple, 2, 'O', 'K'},
		{opDouble, 1, 2, 3, 4, 5, 6, 7, 0xff}, // a NaN's bits
		{opMap, 0}, {opSet, 0}, {opArray, 255},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in := data
		v := genValue(&in, 0)
		for _, proto := range []int{2, 3} {
			var out bytes.Buffer
			w := NewWriter(&out)
			w.SetProto(proto)
			v.write(w)
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			r := bufio.NewReader(bytes.NewReader(out.Bytes()))
			back, err := decode(r)
			if err != nil {
				t.Fatalf("RESP%d %q: %v", proto, out.Bytes(), err)
			}
			if r.Buffered() != 0 {
				t.Fatalf("RESP%d %q: %d bytes after the reply", proto, out.Bytes(), r.Buffered())
			}
			if want := v.expect(proto); back != want {
				t.Fatalf("RESP%d %q:\nread %s\nwant %s", proto, out.Bytes(), back, want)
			}
		}
	})
}

const (
	opSimple = iota
	opError
	opInt
	opBulk
	opNull
	opNullArray
	opArray
	opMap
	opSet
	opPush
	opDouble
	opBool
	opVerbatim
	numOps
)

// value is a reply to write, built from fuzz input.
type value struct {
	op    int
	s     string
	n     int64
	f     float64
	elems []value // for a map: key, value, key, value...
}

func genValue(in *[]byte, depth int) value {
	take := func() byte {
		if len(*in) == 0 {
			return 0
		}
		b := (*in)[0]
		*in = (*in)[1:]
		return b
	}
	str := func() string {
		n := min(int(take()), len(*in))
		s := string((*in)[:n])
		*in = (*in)[n:]
		return s
	}
	v := value{op: int(take()) % numOps}
	if depth > 3 && v.op >= opArray && v.op <= opPush {
		v.op = opInt
	}
	switch v.op {
	case opSimple, opError, opBulk, opVerbatim:
		v.s = str()
	case opInt, opBool:
		v.n = int64(int8(take()))
	case opDouble:
		var b [8]byte
		for i := range b {
			b[i] = take()
		}
		v.f = math.Float64frombits(binary.LittleEndian.Uint64(b[:]))
	case opArray, opMap, opSet, opPush:
		n := int(take()) % 5
		if v.op == opMap {
			n *= 2
		}
		for range n {
			v.elems = append(v.elems, genValue(in, depth+1))
		}
	}
	return v
}

func (v value) write(w *Writer) {
	switch v.op {
	case opSimple:
		w.WriteSimple(clean(v.s))
	case opError:
		w.WriteError(v.s)
	case opInt:
		w.WriteInt(v.n)
	case opBulk:
		w.WriteBulkString(v.s)
	case opNull:
		w.WriteNull()
	case opNullArray:
		w.WriteNullArray()
	case opArray:
		w.WriteArrayHeader(len(v.elems))
	case opMap:
		w.WriteMapHeader(len(v.elems) / 2)
	case opSet:
		w.WriteSetHeader(len(v.elems))
	case opPush:
		w.WritePushHeader(len(v.elems))
	case opDouble:
		w.WriteDouble(v.f)
	case opBool:
		w.WriteBool(v.n != 0)
	case opVerbatim:
		w.WriteVerbatim("txt", v.s)
	}
	for _, e := range v.elems {
		e.write(w)
	}
}

// clean drops CR and LF, which a simple string cannot hold.
func clean(s string) string {
	return string(bytes.ReplaceAll(bytes.ReplaceAll([]byte(s), []byte("\r"), nil), []byte("\n"), nil))
}

// expect renders what decode must read back for v in proto.
func (v value) expect(proto int) string {
	r3 := proto == 3
	switch v.op {
	case opSimple:
		return "+" + strconv.Quote(clean(v.s))
	case opError:
		// WriteError turns CR and LF into spaces, as Redis does.
		return "-" + strconv.Quote(strings.NewReplacer("\r", " ", "\n", " ").Replace(v.s))
	case opInt:
		return ":" + strconv.FormatInt(v.n, 10)
	case opBulk:
		return "$" + strconv.Quote(v.s)
	case opNull, opNullArray:
		switch {
		case r3:
			return "_"
		case v.op == opNull:
			return "$nil"
		}
		return "*nil"
	case opDouble:
		text := string(AppendDouble(nil, v.f))
		if r3 {
			return "," + text
		}
		return "$" + strconv.Quote(text)
	case opBool:
		switch {
		case r3 && v.n != 0:
			return "#t"
		case r3:
			return "#f"
		case v.n != 0:
			return ":1"
		}
		return ":0"
	case opVerbatim:
		if r3 {
			return "=txt:" + strconv.Quote(v.s)
		}
		return "$" + strconv.Quote(v.s)
	}
	typ := map[int]string{opArray: "*", opMap: "%", opSet: "~", opPush: ">"}[v.op]
	n := len(v.elems)
	if !r3 {
		typ = "*"
	} else if v.op == opMap {
		n /= 2
	}
	s := typ + strconv.Itoa(n) + "["
	for _, e := range v.elems {
		s += e.expect(proto) + " "
	}
	return s + "]"
}

// decode reads one reply of RESP2 or RESP3 and renders it as expect does.
func decode(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return "", fmt.Errorf("bad line %q", line)
	}
	typ, body := line[0], line[1:len(line)-2]
	switch typ {
	case '+', '-':
		return string(typ) + strconv.Quote(body), nil
	case ':':
		if _, err := strconv.ParseInt(body, 10, 64); err != nil {
			return "", err
		}
		return ":" + body, nil
	case '_':
		if body != "" {
			return "", fmt.Errorf("null with a body %q", body)
		}
		return "_", nil
	case '#':
		if body != "t" && body != "f" {
			return "", fmt.Errorf("bad boolean %q", body)
		}
		return "#" + body, nil
	case ',':
		if _, err := strconv.ParseFloat(body, 64); err != nil {
			return "", fmt.Errorf("bad double %q", body)
		}
		return "," + body, nil
	case '$', '=':
		n, err := strconv.Atoi(body)
		if err != nil {
			return "", err
		}
		if n == -1 && typ == '$' {
			return "$nil", nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		if string(buf[n:]) != "\r\n" {
			return "", fmt.Errorf("string not ended by CRLF")
		}
		if typ == '=' {
			if n < 4 || buf[3] != ':' {
				return "", fmt.Errorf("verbatim string without its format: %q", buf[:n])
			}
			return "=" + string(buf[:4]) + strconv.Quote(string(buf[4:n])), nil
		}
		return "$" + strconv.Quote(string(buf[:n])), nil
	case '*', '%', '~', '>':
		n, err := strconv.Atoi(body)
		if err != nil {
			return "", err
		}
		if n == -1 && typ == '*' {
			return "*nil", nil
		}
		s := string(typ) + body + "["
		elems := n
		if typ == '%' {
			elems *= 2
		}
		for range elems {
			e, err := decode(r)
			if err != nil {
				return "", err
			}
			s += e + " "
		}
		return s + "]", nil
	}
	return "", fmt.Errorf("unknown type %q", typ)
}
