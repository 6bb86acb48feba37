package detect

// All returns every control, in the order results are reported: the ECS.n controls by number, then the
// exposure traits. The list is explicit: no init() registration, so what runs is what is written here.
func All() []Control {
	return []Control{
		ECS1(),
		ECS2(),
		ECS3(),
		ECS4(),
		ECS5(),
		ECS8(),
		ECS9(),
		ECS10(),
		ECS12(),
		ECS13(),
		ECS14(),
		ECS15(),
		ECS16(),
		ECS17(),
		ECS18(),
		ECS19(),
		ECS20(),
		ECS21(),
		ExposurePrivileged(),
		ExposureAdminTaskRole(),
		ExposureHostPathVolume(),
		ExposureHostPID(),
		ExposureHostNetwork(),
		ExposurePlaintextCredentials(),
		ExposureOpenSecurityGroup(),
		ExposurePublicIP(),
		ExposureAssumableRole(),
		ExposureVulnerabilities(),
	}
}
