package jute

import "fmt"

// Op is one operation of a multi or multiRead request. Req is *CreateRequest (create, create2,
// createContainer), *CreateTTLRequest, *PathVersionRequest (delete, check), *SetDataRequest or
// *PathWatchRequest (getChildren, getData).
type Op struct {
	Type int32
	Req  Record
}

// MultiRequest is MultiOperationRecord.
type MultiRequest struct {
	Ops []Op
}

// newOpRecord returns an empty request record for an op type, or nil if multi cannot carry it.
func newOpRecord(t int32) Record {
	switch t {
	case OpCreate, OpCreate2, OpCreateContainer:
		return &CreateRequest{}
	case OpCreateTTL:
		return &CreateTTLRequest{}
	case OpDelete, OpCheck:
		return &PathVersionRequest{}
	case OpSetData:
		return &SetDataRequest{}
	case OpGetChildren, OpGetData:
		return &PathWatchRequest{}
	}
	return nil
}

func (r *MultiRequest) Encode(e *Encoder) {
	for _, op := range r.Ops {
		h := MultiHeader{Type: op.Type, Done: false, Err: -1}
		h.Encode(e)
		op.Req.Encode(e)
	}
	end := MultiHeader{Type: -1, Done: true, Err: -1}
	end.Encode(e)
}

func (r *MultiRequest) Decode(d *Decoder) {
	r.Ops = r.Ops[:0]
	for d.Err == nil {
		var h MultiHeader
		h.Decode(d)
		if d.Err != nil || h.Done {
			return
		}
		rec := newOpRecord(h.Type)
		if rec == nil {
			d.fail(fmt.Errorf("jute: invalid type of op %d", h.Type))
			return
		}
		rec.Decode(d)
		r.Ops = append(r.Ops, Op{Type: h.Type, Req: rec})
	}
}

// OpResult is one result of a multi or multiRead. Type is the op code, or OpError with Err set.
type OpResult struct {
	Type     int32
	Err      int32
	Path     string
	Stat     Stat
	Data     []byte
	Children []string
}

// MultiResponse is the reply to multi and multiRead.
type MultiResponse struct {
	Results []OpResult
}

func (r *MultiResponse) Encode(e *Encoder) {
	for i := range r.Results {
		res := &r.Results[i]
		var err int32
		if res.Type == OpError {
			err = res.Err
		}
		h := MultiHeader{Type: res.Type, Done: false, Err: err}
		h.Encode(e)
		switch res.Type {
		case OpCreate:
			e.String(res.Path)
		case OpCreate2:
			e.String(res.Path)
			res.Stat.Encode(e)
		case OpSetData:
			res.Stat.Encode(e)
		case OpGetChildren:
			e.Strings(res.Children)
		case OpGetData:
			e.Buffer(res.Data)
			res.Stat.Encode(e)
		case OpError:
			e.Int(res.Err)
		}
	}
	end := MultiHeader{Type: -1, Done: true, Err: -1}
	end.Encode(e)
}

func (r *MultiResponse) Decode(d *Decoder) {
	r.Results = r.Results[:0]
	for d.Err == nil {
		var h MultiHeader
		h.Decode(d)
		if d.Err != nil || h.Done {
			return
		}
		res := OpResult{Type: h.Type}
		switch h.Type {
		case OpCreate:
			res.Path = d.String()
		case OpCreate2:
			res.Path = d.String()
			res.Stat.Decode(d)
		case OpSetData:
			res.Stat.Decode(d)
		case OpGetChildren:
			res.Children = d.Strings()
		case OpGetData:
			res.Data = d.Buffer()
			res.Stat.Decode(d)
		case OpError:
			res.Err = d.Int()
		case OpDelete, OpCheck:
		default:
			d.fail(fmt.Errorf("jute: invalid type of op result %d", h.Type))
			return
		}
		r.Results = append(r.Results, res)
	}
}
