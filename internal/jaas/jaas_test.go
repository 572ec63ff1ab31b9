package jaas

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadSection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jaas.conf")
	text := `/* both sides */
Server {
    org.apache.zookeeper.server.auth.DigestLoginModule required
    user_bob="s3cret" // a comment
    user_alice="pw";
};
Client {
    org.apache.zookeeper.server.auth.DigestLoginModule required username="bob" password="s3cret";
};
`
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	logins, ok, err := ReadSection(path, "Client")
	want := []Login{{Class: DigestLoginModule, Flag: "required", Options: map[string]string{"username": "bob", "password": "s3cret"}}}
	if err != nil || !ok || !reflect.DeepEqual(logins, want) {
		t.Fatalf("Client: %+v %v %v", logins, ok, err)
	}
	if logins, ok, err := ReadSection(path, "Server"); err != nil || !ok || len(logins) != 1 || logins[0].Options["user_alice"] != "pw" {
		t.Fatalf("Server: %+v %v %v", logins, ok, err)
	}
	if _, ok, err := ReadSection(path, "Other"); err != nil || ok {
		t.Fatalf("Other: %v %v", ok, err)
	}
	// A file that does not parse is an error that does not repeat its words (they may be passwords).
	if err := os.WriteFile(path, []byte(`Client { m required password="hunter2" `), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadSection(path, "Client"); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("broken file: %v", err)
	}
}
