package integration

// Watches: one-shot data, exist and child watches, persistent and
// persistent-recursive watches (addWatch), checkWatches, removeWatches, and
// setWatches/setWatches2 after a reconnect.

func init() {
	register(
		scenario{"watch_data_changed_once", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			c.Create("a", "0", modePersistent)
			w.Get("a", true)
			c.Set("a", "1", -1)
			c.Set("a", "2", -1)
			w.Events()
			w.Get("a", false)
		}},
		scenario{"watch_data_deleted", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			c.Create("a", "0", modePersistent)
			w.Get("a", true)
			c.Delete("a", -1)
			w.Events()
		}},
		scenario{"watch_exists_created", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			w.Exists("a", true)
			c.Create("a", "", modePersistent)
			w.Events()
			c.Set("a", "x", -1)
			w.Events()
		}},
		scenario{"watch_exists_on_existing", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			c.Create("a", "", modePersistent)
			c.Create("b", "", modePersistent)
			w.Exists("a", true)
			w.Exists("b", true)
			c.Set("a", "x", -1)
			c.Delete("b", -1)
			w.Events()
		}},
		scenario{"watch_children", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			c.Create("p", "", modePersistent)
			w.Children("p", true)
			c.Set("p", "x", -1)
			w.Events()
			c.Create("p/a", "", modePersistent)
			c.Create("p/b", "", modePersistent)
			w.Events()
			w.Children2("p", true)
			c.Set("p/a", "x", -1)
			c.Delete("p/a", -1)
			w.Events()
		}},
		scenario{"watch_children_parent_deleted", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			c.Create("p", "", modePersistent)
			w.Children("p", true)
			w.Get("p", true)
			w.Exists("p", true)
			c.Delete("p", -1)
			w.Events()
		}},
		scenario{"watch_child_and_data_on_child_create", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			c.Create("p", "", modePersistent)
			w.Children("p", true)
			w.Get("p", true)
			w.Exists("p/new", true)
			c.Create("p/new", "", modePersistent)
			w.Events()
		}},
		scenario{"watch_own_write_event_before_reply", func(s *S) {
			c := s.Connect(0)
			c.Create("a", "", modePersistent)
			c.Get("a", true)
			c.Children("", true)
			c.Set("a", "x", -1)
			c.Delete("a", -1)
		}},
		scenario{"watch_registered_twice_fires_once", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			c.Create("a", "", modePersistent)
			w.Get("a", true)
			w.Get("a", true)
			w.Exists("a", true)
			c.Set("a", "x", -1)
			w.Events()
		}},
		scenario{"watch_two_sessions", func(s *S) {
			w1, w2, c := s.Connect(0), s.Connect(0), s.Connect(0)
			c.Create("a", "", modePersistent)
			w1.Get("a", true)
			w2.Exists("a", true)
			c.Delete("a", -1)
			w1.Events()
			w2.Events()
		}},
		scenario{"watch_failed_read_sets_no_data_watch", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			w.Get("a", true)
			w.Children("a", true)
			c.Create("a", "", modePersistent)
			c.Set("a", "x", -1)
			w.Events()
		}},
		scenario{"watch_ephemeral_owner_closes", func(s *S) {
			w, e := s.Connect(0), s.Connect(0)
			e.Create("eph", "", modeEphemeral)
			w.Exists("eph", true)
			w.Children("", true)
			e.Close()
			w.Events()
			w.Exists("eph", false)
		}},
		scenario{"watch_multi_triggers", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			c.Create("a", "", modePersistent)
			w.Get("a", true)
			w.Children("", true)
			w.Exists("b", true)
			c.Multi(mSet("a", "x", -1), mCreate("b", "", modePersistent), mDelete("a", -1))
			w.Events()
		}},
		scenario{"watch_failed_multi_no_events", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			c.Create("a", "", modePersistent)
			w.Get("a", true)
			c.Multi(mSet("a", "x", -1), mCheck("a", 7))
			w.Events()
			c.Set("a", "y", -1)
			w.Events()
		}},
		scenario{"persistent_watch", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			c.Create("a", "", modePersistent)
			w.AddWatch("a", 0)
			c.Set("a", "1", -1)
			c.Set("a", "2", -1)
			c.Create("a/b", "", modePersistent)
			c.Set("a/b", "x", -1)
			c.Delete("a/b", -1)
			c.Delete("a", -1)
			c.Create("a", "", modePersistent)
			w.Events()
		}},
		scenario{"persistent_watch_missing_node", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			w.AddWatch("later", 0)
			w.AddWatch("later/deeper", 1)
			c.Create("later", "", modePersistent)
			c.Create("later/deeper", "", modePersistent)
			c.Create("later/deeper/x", "", modePersistent)
			w.Events()
		}},
		scenario{"persistent_recursive_watch", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			w.AddWatch("", 1)
			c.Create("a", "", modePersistent)
			c.Create("a/b", "", modePersistent)
			c.Create("a/b/c", "", modeEphemeral)
			c.Set("a/b", "x", -1)
			c.Delete("a/b/c", -1)
			c.Multi(mDelete("a/b", -1), mDelete("a", -1))
			w.Events()
		}},
		scenario{"persistent_and_oneshot_together", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			c.Create("a", "", modePersistent)
			w.AddWatch("a", 0)
			w.Get("a", true)
			w.Children("a", true)
			c.Set("a", "x", -1)
			c.Create("a/b", "", modePersistent)
			c.Set("a", "y", -1)
			w.Events()
		}},
		scenario{"recursive_and_persistent_overlap", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			c.Create("a", "", modePersistent)
			w.AddWatch("", 1)
			w.AddWatch("a", 0)
			w.AddWatch("a", 1)
			c.Set("a", "x", -1)
			c.Create("a/b", "", modePersistent)
			w.Events()
		}},
		scenario{"add_watch_bad_mode", func(s *S) {
			w := s.Connect(0)
			w.AddWatch("", 2)
			w.AddWatch("", -1)
			w.AddWatch("!bad", 0)
		}},
		scenario{"check_watches", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			c.Create("a", "", modePersistent)
			w.CheckWatches("a", 2)
			w.Get("a", true)
			w.CheckWatches("a", 2)
			w.CheckWatches("a", 1)
			w.CheckWatches("a", 3)
			w.Children("a", true)
			w.CheckWatches("a", 1)
			c.CheckWatches("a", 3)
			w.CheckWatches("missing", 3)
			w.CheckWatches("a", 9)
		}},
		scenario{"remove_watches", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			c.Create("a", "", modePersistent)
			w.Get("a", true)
			w.Children("a", true)
			w.RemoveWatches("a", 2)
			w.RemoveWatches("a", 2)
			c.Set("a", "x", -1)
			c.Create("a/b", "", modePersistent)
			w.Events()
			w.Get("a", true)
			w.Children("a", true)
			w.RemoveWatches("a", 3)
			c.Delete("a/b", -1)
			c.Delete("a", -1)
			w.Events()
			w.RemoveWatches("missing", 3)
		}},
		scenario{"remove_exists_watch", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			w.Exists("a", true)
			w.RemoveWatches("a", 2)
			c.Create("a", "", modePersistent)
			w.Events()
		}},
		scenario{"remove_persistent_watches", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			c.Create("a", "", modePersistent)
			w.AddWatch("a", 0)
			w.AddWatch("", 1)
			w.CheckWatches("a", 2)
			w.CheckWatches("a", 1)
			w.CheckWatches("", 3)
			w.RemoveWatches("a", 2)
			c.Set("a", "x", -1)
			w.Events()
			w.RemoveWatches("a", 3)
			w.RemoveWatches("", 3)
			c.Set("a", "y", -1)
			w.Events()
		}},
		scenario{"set_watches_after_reconnect", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			c.Create("d", "0", modePersistent)
			c.Create("gone", "", modePersistent)
			c.Create("p", "", modePersistent)
			c.Create("same", "", modePersistent)
			w.Get("d", true)
			w.Get("gone", true)
			w.Exists("later", true)
			w.Children("p", true)
			w.Get("same", true)
			last := w.lastZxid()
			w.Drop()
			c.Set("d", "1", -1)
			c.Delete("gone", -1)
			c.Create("later", "", modePersistent)
			c.Create("p/x", "", modePersistent)
			w2 := s.Reattach(w, last)
			w2.SetWatches(last, []string{"d", "gone", "same"}, []string{"later"}, []string{"p"})
			w2.Events()
			c.Set("same", "x", -1)
			c.Set("d", "2", -1)
			w2.Events()
		}},
		scenario{"set_watches_recreated_while_away", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			c.Create("d", "", modePersistent)
			c.Create("e", "", modePersistent)
			c.Create("p", "", modePersistent)
			last := c.lastZxid()
			w.Drop()
			for _, p := range []string{"d", "e", "p"} {
				c.Delete(p, -1)
				c.Create(p, "again", modePersistent)
			}
			c.Create("gone", "", modePersistent)
			c.Delete("gone", -1)
			w2 := s.Reattach(w, last)
			w2.SetWatches(last, []string{"d", "gone"}, []string{"e", "gone"}, []string{"p", "gone"})
			w2.Events()
			w2.SetWatches(last, []string{"d"}, nil, nil)
			w2.Events()
		}},
		scenario{"recursive_with_oneshot_watches", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			c.Create("a", "", modePersistent)
			w.AddWatch("a", 1)
			w.Children("a", true)
			w.Exists("a/b", true)
			w.Get("a", true)
			c.Create("a/b", "", modePersistent)
			c.Set("a", "x", -1)
			c.Delete("a/b", -1)
			w.Events()
			w.SetWatches(0, nil, nil, []string{"a"})
			w.Events()
		}},
		scenario{"set_watches_nothing_changed", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			c.Create("a", "", modePersistent)
			w.Get("a", true)
			w.Exists("b", true)
			last := w.lastZxid()
			w.Drop()
			w2 := s.Reattach(w, last)
			w2.SetWatches(last, []string{"a"}, []string{"b"}, nil)
			w2.Events()
			c.Create("b", "", modePersistent)
			c.Set("a", "x", -1)
			w2.Events()
		}},
		scenario{"set_watches2_persistent", func(s *S) {
			w, c := s.Connect(0), s.Connect(0)
			c.Create("a", "", modePersistent)
			w.AddWatch("a", 0)
			w.AddWatch("", 1)
			last := w.lastZxid()
			w.Drop()
			c.Set("a", "while away", -1)
			w2 := s.Reattach(w, last)
			w2.SetWatches2(last, nil, nil, nil, []string{"a"}, []string{""})
			w2.Events()
			c.Set("a", "back", -1)
			c.Create("a/b", "", modePersistent)
			w2.Events()
		}},
	)
}
