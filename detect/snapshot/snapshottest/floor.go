package snapshottest

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	astypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/ecsfix/ecsfix/detect/awsjson"
)

// floorDoc is every top-level member of the ECS, EC2, ELB and Auto Scaling outputs a snapshot holds, in
// the SDK types the inventory keeps: one document of any of those commands decodes into it.
type floorDoc struct {
	TaskDefinition    *ecstypes.TaskDefinition
	Tags              []ecstypes.Tag
	Services          []ecstypes.Service
	Clusters          []ecstypes.Cluster
	TaskSets          []ecstypes.TaskSet
	CapacityProviders []ecstypes.CapacityProvider
	Failures          []ecstypes.Failure
	SecurityGroups    []ec2types.SecurityGroup
	Subnets           []ec2types.Subnet
	RouteTables       []ec2types.RouteTable
	LoadBalancers     []elbtypes.LoadBalancer
	AutoScalingGroups []astypes.AutoScalingGroup
	NextToken         *string
}

// Decoder is how DecodeFloor decodes a file.
type Decoder int

const (
	// EncodingJSON decodes with the standard library's encoding/json (json.Unmarshal).
	EncodingJSON Decoder = iota
	// AWSJSON decodes with ecsfix's own awsjson.Unmarshal.
	AWSJSON
)

func (d Decoder) String() string {
	if d == AWSJSON {
		return "awsjson"
	}
	return "encoding/json"
}

// Floor is what DecodeFloor decoded.
type Floor struct {
	Files           int
	Bytes           int64
	TaskDefinitions int
	Services        int
}

// DecodeFloor is the floor an offline load is compared with: what a program needs merely to read every
// *.json file under dir and decode it into the SDK types, in parallel over GOMAXPROCS files, keeping
// nothing. It checks nothing a snapshot load checks (identities, limits, shapes, duplicates).
func DecodeFloor(dir string, dec Decoder) (Floor, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".json") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return Floor{}, err
	}
	var (
		mu    sync.Mutex
		total Floor
		first error
		wg    sync.WaitGroup
	)
	next := make(chan string)
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var f Floor
			var err error
			for name := range next {
				if err != nil {
					continue
				}
				var data []byte
				if data, err = os.ReadFile(name); err != nil {
					continue
				}
				var doc floorDoc
				if dec == AWSJSON {
					err = awsjson.Unmarshal(name, data, &doc)
				} else if err = json.Unmarshal(data, &doc); err != nil {
					err = fmt.Errorf("%s: %w", name, err)
				}
				f.Files++
				f.Bytes += int64(len(data))
				f.Services += len(doc.Services)
				if doc.TaskDefinition != nil {
					f.TaskDefinitions++
				}
			}
			mu.Lock()
			defer mu.Unlock()
			total.Files += f.Files
			total.Bytes += f.Bytes
			total.TaskDefinitions += f.TaskDefinitions
			total.Services += f.Services
			if err != nil && first == nil {
				first = err
			}
		}()
	}
	for _, name := range files {
		next <- name
	}
	close(next)
	wg.Wait()
	return total, first
}

// MeasureFloor times the decode floor of the snapshot in dir: the faster of encoding/json and awsjson,
// best of runs each (testing.Benchmark cannot run inside a benchmark, hence a timer), in wall time and
// in processor time (CPUTime) of that run. Benchmarks measure it beside each run of what they compare
// with it, so that both see the same load on the machine.
func MeasureFloor(dir string, runs int) (wall, cpu time.Duration, err error) {
	for _, dec := range []Decoder{EncodingJSON, AWSJSON} {
		for range max(runs, 1) {
			runtime.GC()
			start, startCPU := time.Now(), CPUTime()
			if _, err := DecodeFloor(dir, dec); err != nil {
				return 0, 0, err
			}
			if d := time.Since(start); wall == 0 || d < wall {
				wall, cpu = d, CPUTime()-startCPU
			}
		}
	}
	runtime.GC()
	return wall, cpu, nil
}

// Size is the bytes of the files under dir (their length, not the blocks they take on disk).
func Size(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			n += info.Size()
		}
		return err
	})
	return n, err
}
